"""All or nothing across two systems: the directory first, then the portal's records.

The directory here is the portal's own store told to fail (tests.directory.stub); the
same journeys run against real Samba AD and OpenLDAP in test_servers.py.
"""

from http import HTTPStatus
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from accounts import services, staff
from accounts.directory import DirectoryUnavailable, PasswordRefused, WrongPassword
from accounts.lockout import is_locked_out
from accounts.models import AdminResetJob, AdminResetJobItem, AuditEvent, ResetPolicy, User
from accounts.resets import ResetOptions, admin_reset_passwords
from reset.models import ResetAttempt
from tests.factories import PASSWORD, UserFactory
from tests.reset.conftest import CommittingClient, identify, register_everything
from tests.reset.test_journeys import NEW, finish, lock_out, pass_gate

pytestmark = pytest.mark.django_db
Step = ResetAttempt.Step


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture
def hanna(db):
    return register_everything(UserFactory(username="hanna", email="hanna@example.org"))


def at_new_password(client, user) -> ResetAttempt:
    identify(client, user.username)
    pass_gate(client, user, "email")
    attempt = ResetAttempt.objects.get(user=user)
    assert attempt.step == Step.NEW_PASSWORD
    return attempt


def test_a_directory_refusal_shows_on_the_password_field_and_spends_nothing(
        client, hanna, failing):
    attempt = at_new_password(client, hanna)
    failing.failure = PasswordRefused()

    response = finish(client)

    assert response.status_code == HTTPStatus.OK
    errors = response.context_data["form"].errors["new_password1"]
    assert "did not accept this password" in str(errors)
    attempt.refresh_from_db()
    assert attempt.step == Step.NEW_PASSWORD
    hanna.refresh_from_db()
    assert hanna.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET).exists()
    failing.failure = None
    assert finish(client)["Location"] == reverse("reset:done")


def test_an_unreachable_directory_gives_the_unavailable_page_and_changes_nothing(
        client, hanna, failing):
    attempt = at_new_password(client, hanna)
    failing.failure = DirectoryUnavailable()

    response = finish(client)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert b"Temporarily unavailable" in response.content
    attempt.refresh_from_db()
    assert attempt.step == Step.NEW_PASSWORD
    hanna.refresh_from_db()
    assert hanna.check_password(PASSWORD)


def test_a_database_failure_after_the_directory_accepted_is_tried_again(client, hanna, failing):
    at_new_password(client, hanna)
    real = services.queue_notice
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseError("connection lost")
        return real(**kwargs)

    with mock.patch.object(services, "queue_notice", flaky), \
            mock.patch.object(services.time, "sleep"):
        response = finish(client)

    assert response["Location"] == reverse("reset:done")
    assert len(calls) == 2
    assert failing.calls == ["set_password"]  # the directory was written once, not per try
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET).count() == 1


def test_a_lasting_database_failure_hands_the_record_to_a_worker(hanna, failing):
    failing.keeps_password_hashes = False  # as a server does: the portal keeps no hash
    with mock.patch.object(services, "save_new_password",
                           side_effect=DatabaseError("down")), \
            mock.patch.object(services.time, "sleep"), \
            mock.patch("accounts.tasks.record_directory_password.delay") as handed_over, \
            pytest.raises(DirectoryUnavailable):
        services.set_new_password(user=hanna, password=NEW,
                                  event_type=AuditEvent.Type.PASSWORD_RESET)

    handed_over.assert_called_once()
    assert handed_over.call_args.kwargs["user_id"] == hanna.pk
    # The worker's task records it, once the database answers again.
    from accounts.tasks import record_directory_password
    record_directory_password(**handed_over.call_args.kwargs)
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET,
                                     subject=hanna).count() == 1
    hanna.refresh_from_db()
    assert not hanna.has_usable_password()


def test_an_unlock_the_directory_cannot_take_waits_and_can_be_tried_again(
        client, hanna, failing):
    lock_out("hanna")
    failing.failure = DirectoryUnavailable()
    identify(client, "hanna", mode="unlock")

    response = pass_gate(client, hanna, "sms")

    assert response["Location"] == reverse("reset:unlock")
    assert is_locked_out(hanna)
    assert ResetAttempt.objects.get(user=hanna).step == Step.UNLOCK
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.ACCOUNT_UNLOCKED).exists()
    assert client.get(reverse("reset:verify"))["Location"] == reverse("reset:unlock")

    still_down = client.post(reverse("reset:unlock"))
    assert still_down.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    failing.failure = None
    assert client.post(reverse("reset:unlock"))["Location"] == reverse("reset:done")
    assert not is_locked_out(hanna)
    assert failing.calls == ["unlock", "unlock", "unlock"]


def signed_in(user) -> Client:
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("failure", "field"), [(WrongPassword(), "old_password"),
                                                (PasswordRefused(), "new_password1")])
def test_a_change_the_directory_refuses_is_shown_on_its_field(failing, failure, field):
    user = UserFactory(username="erik")
    client = signed_in(user)
    failing.failure = failure

    response = client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})

    assert response.status_code == HTTPStatus.OK
    assert response.context_data["form"].errors[field]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_CHANGED).exists()


def test_an_admin_reset_the_directory_refuses_fails_that_user_only(
        failing, django_capture_on_commit_callbacks):
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    refused, taken = UserFactory(username="refused"), UserFactory(username="taken")
    original = failing.set_password

    def refuse_one(user, password, *, must_change=False):
        failing.failure = PasswordRefused() if user.username == "refused" else None
        original(user, password, must_change=must_change)

    failing.set_password = refuse_one
    with django_capture_on_commit_callbacks(execute=True):
        admin_reset_passwords(
            actor=admin, users=User.objects.filter(pk__in=[refused.pk, taken.pk]),
            options=ResetOptions(delivery=AdminResetJob.Delivery.SHOW, public_key=_public_key()))

    states = dict(AdminResetJobItem.objects.values_list("user__username", "state"))
    assert states == {"refused": AdminResetJobItem.State.FAILED,
                      "taken": AdminResetJobItem.State.DONE}
    refused.refresh_from_db()
    taken.refresh_from_db()
    assert refused.check_password(PASSWORD)
    assert not taken.check_password(PASSWORD)
    assert not refused.must_change_password


def test_forcing_a_change_tells_the_directory_before_the_portal(failing):
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    user = UserFactory(username="erik")
    failing.failure = DirectoryUnavailable()

    with pytest.raises(DirectoryUnavailable):
        staff.force_password_change(actor=admin, users=User.objects.filter(pk=user.pk))

    user.refresh_from_db()
    assert not user.must_change_password
    failing.failure = None
    assert staff.force_password_change(actor=admin,
                                       users=User.objects.filter(pk=user.pk)).changed == 1
    assert failing.calls == ["require_change", "require_change"]


def _public_key() -> str:
    from accounts.sealing import new_key_pair
    return new_key_pair()[1]
