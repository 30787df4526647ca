"""A helpdesk account attacks the administration: it manages ordinary users and nobody else."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.authority import Refusal, can_manage
from accounts.lockout import is_locked_out
from accounts.models import AdminResetJob, AdminResetJobItem, AuditEvent, Message, User
from accounts.resets import ResetOptions, admin_reset_passwords, run_job
from tests.admin_session import admin_login
from tests.factories import PASSWORD, UserFactory
from verification.management.commands.demo_data import lock_out

# Real commits: the reset job is queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

LIST = "admin:accounts_user_changelist"
HELPDESK_PERMISSIONS = ["view_user", "change_user", "reset_password"]


def staff_with(*codenames, **fields) -> User:
    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # no permission cache from before the grant


@pytest.fixture
def helpdesk():
    return staff_with(*HELPDESK_PERMISSIONS, username="helga")


@pytest.fixture
def helpdesk_client(helpdesk):
    client = Client()
    admin_login(client, helpdesk)
    return client


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def colleague():
    return UserFactory(username="colin", is_staff=True)


@pytest.fixture
def ordinary():
    return UserFactory(username="olga")


def refusals(actor, target) -> list[dict]:
    return list(AuditEvent.objects.filter(
        type=AuditEvent.Type.ADMIN_ACTION_REFUSED, actor=actor, subject=target,
        outcome=AuditEvent.Outcome.FAILURE).values_list("details", flat=True))


def assert_untouched(user: User) -> None:
    stored = User.objects.get(pk=user.pk)
    assert stored.check_password(PASSWORD)
    assert stored.password == user.password
    assert not stored.must_change_password
    assert not stored.password_never_expires
    assert not AuditEvent.objects.filter(subject=user).exclude(
        type=AuditEvent.Type.ADMIN_ACTION_REFUSED).exists()


def reset_form(**data) -> dict:
    return {"confirm": "yes", "delivery": "link", "password_choice": "generate",
            "require_change": "on", **data}


def act(client, action, users, **extra):
    return client.post(reverse(LIST), {"action": action,
                                       "_selected_action": [u.pk for u in users], **extra})


# --- The rule ------------------------------------------------------------------------------

def test_the_rule_orders_privilege(helpdesk, superuser, colleague, ordinary):
    staff_manager = staff_with("manage_staff_credentials")

    assert can_manage(helpdesk, ordinary)
    assert not can_manage(helpdesk, colleague)
    assert not can_manage(helpdesk, superuser)
    assert not can_manage(helpdesk, helpdesk)
    assert can_manage(staff_manager, colleague)
    assert not can_manage(staff_manager, superuser)
    assert can_manage(superuser, colleague)
    assert can_manage(superuser, UserFactory(is_staff=True, is_superuser=True))
    assert not can_manage(superuser, superuser)
    assert not can_manage(UserFactory(), ordinary)


# --- Resetting a password ------------------------------------------------------------------

@pytest.mark.parametrize("target", ["superuser", "colleague"])
def test_helpdesk_cannot_reset_a_privileged_user_one_by_one(helpdesk_client, helpdesk, request,
                                                            target):
    victim = request.getfixturevalue(target)

    typed = helpdesk_client.post(
        reverse("admin:accounts_user_reset_password", args=[victim.pk]),
        reset_form(delivery="show", password_choice="type", password="Orchid-Tundra-Piano-48",
                   require_change=""))

    assert typed.status_code == HTTPStatus.FOUND
    assert typed["Location"] == reverse("admin:accounts_user_change", args=[victim.pk])
    assert not AdminResetJob.objects.exists()
    assert_untouched(victim)
    assert refusals(helpdesk, victim) == [{"action": "reset_password", "reason": target_reason(
        victim)}]


def target_reason(user: User) -> str:
    return Refusal.SUPERUSER if user.is_superuser else Refusal.STAFF


@pytest.mark.parametrize("how", ["selection", "everyone"])
def test_a_selection_or_everyone_skips_privileged_users_and_says_why(
    helpdesk_client, helpdesk, superuser, colleague, ordinary, how
):
    if how == "selection":
        response = helpdesk_client.post(reverse(LIST), {
            "action": "reset_passwords", "post": "yes",
            "_selected_action": [superuser.pk, colleague.pk, ordinary.pk], **reset_form()})
    else:
        response = helpdesk_client.post(reverse("admin:accounts_user_reset_everyone"),
                                        reset_form())

    job = AdminResetJob.objects.get()
    assert job.is_done
    assert dict(job.items.values_list("user_id", "state")) == {
        superuser.pk: AdminResetJobItem.State.SKIPPED,
        colleague.pk: AdminResetJobItem.State.SKIPPED,
        ordinary.pk: AdminResetJobItem.State.DONE}
    assert_untouched(superuser)
    assert_untouched(colleague)
    ordinary.refresh_from_db()
    assert not ordinary.has_usable_password()
    assert refusals(helpdesk, superuser)[0]["reason"] == Refusal.SUPERUSER
    assert refusals(helpdesk, colleague)[0]["reason"] == Refusal.STAFF
    page = helpdesk_client.get(response["Location"]).content.decode()
    assert "Only superusers manage superusers" in page
    assert "Only superusers and holders of the permission" in page


def test_the_job_asks_again_for_a_user_promoted_after_it_was_queued(helpdesk, ordinary,
                                                                      monkeypatch):
    monkeypatch.setattr("accounts.resets.start.enqueue_job", lambda job_id: None)
    job = admin_reset_passwords(actor=helpdesk, users=User.objects.filter(pk=ordinary.pk),
                                options=ResetOptions())
    # Queued, and the worker has not reached the user yet: promote the target in between.
    User.objects.filter(pk=ordinary.pk).update(is_superuser=True, is_staff=True)

    run_job(job_id=job.pk)

    item = job.items.get()
    assert (item.state, item.reason) == (AdminResetJobItem.State.SKIPPED, Refusal.SUPERUSER)
    stored = User.objects.get(pk=ordinary.pk)
    assert stored.password == ordinary.password
    assert refusals(helpdesk, ordinary)[-1]["reason"] == Refusal.SUPERUSER


def test_the_csv_command_skips_privileged_users(helpdesk, superuser, colleague, ordinary,
                                                tmp_path, capsys):
    listing = tmp_path / "users.csv"
    listing.write_text("username\nroot\ncolin\nolga\n")

    call_command("reset_passwords", listing, "--as", "helga")

    job = AdminResetJob.objects.get()
    assert job.items.filter(state=AdminResetJobItem.State.DONE).get().user == ordinary
    assert_untouched(superuser)
    assert_untouched(colleague)
    out = capsys.readouterr().out
    assert "skipped root: only superusers manage superusers" in out
    assert "skipped colin: only superusers and holders" in out
    assert refusals(helpdesk, superuser)


@pytest.mark.parametrize("options", [
    ResetOptions(delivery=AdminResetJob.Delivery.SHOW, typed_password="Orchid-Tundra-Piano-48"),
    ResetOptions(delivery=AdminResetJob.Delivery.EMAIL, email_to="desk@example.org"),
])
def test_staff_never_get_a_typed_or_emailed_password_even_from_a_superuser(
    superuser, colleague, options
):
    job = admin_reset_passwords(actor=superuser, users=User.objects.filter(pk=colleague.pk),
                                options=options)

    job.refresh_from_db()
    item = job.items.get()
    assert (item.state, item.reason) == (AdminResetJobItem.State.SKIPPED,
                                         Refusal.PRIVILEGED_PASSWORD)
    assert_untouched(colleague)
    assert refusals(superuser, colleague)[0]["reason"] == Refusal.PRIVILEGED_PASSWORD


def test_a_holder_of_the_staff_permission_resets_staff_but_not_superusers(colleague, superuser):
    manager = staff_with("reset_password", "manage_staff_credentials")

    job = admin_reset_passwords(actor=manager, users=User.objects.filter(
        pk__in=[colleague.pk, superuser.pk]), options=ResetOptions())

    job.refresh_from_db()
    assert dict(job.items.values_list("user_id", "state")) == {
        colleague.pk: AdminResetJobItem.State.DONE,
        superuser.pk: AdminResetJobItem.State.SKIPPED}
    assert_untouched(superuser)


# --- Unlock, force change, expiry ------------------------------------------------------------

@pytest.mark.parametrize("target", ["superuser", "colleague"])
def test_helpdesk_cannot_unlock_a_privileged_user(helpdesk_client, helpdesk, request, target):
    victim = request.getfixturevalue(target)
    lock_out(victim)

    response = act(helpdesk_client, "unlock", [victim])

    assert is_locked_out(victim)
    assert refusals(helpdesk, victim) == [{"action": "unlock", "reason": target_reason(victim)}]
    assert "1 account skipped" in helpdesk_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("action", ["force_change", "never_expires"])
def test_helpdesk_cannot_flag_privileged_users_by_selecting_them(
    helpdesk_client, helpdesk, superuser, colleague, ordinary, action
):
    act(helpdesk_client, action, [superuser, colleague, ordinary])

    assert_untouched(superuser)
    assert_untouched(colleague)
    ordinary.refresh_from_db()
    assert ordinary.must_change_password or ordinary.password_never_expires
    event = AuditEvent.objects.exclude(type=AuditEvent.Type.ADMIN_ACTION_REFUSED).get(
        subject=ordinary)
    assert event.actor == helpdesk


def test_select_all_flags_only_the_ordinary_users(helpdesk_client, helpdesk, superuser,
                                                   colleague, ordinary):
    act(helpdesk_client, "force_change", [ordinary], select_across="1")

    assert_untouched(superuser)
    assert_untouched(colleague)
    assert not User.objects.get(pk=helpdesk.pk).must_change_password
    assert User.objects.get(pk=ordinary.pk).must_change_password
    assert {e["reason"] for e in refusals(helpdesk, helpdesk)} == {Refusal.OWN_ACCOUNT}


# --- The change form -----------------------------------------------------------------------

def change_data(user: User, **fields) -> dict:
    data = {"username": user.username, "email": user.email, "display_name": user.display_name,
            "language": "en", "is_active": "on", "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00", "office_phone": "", **fields}
    if user.is_staff:
        data.setdefault("is_staff", "on")
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("target", ["superuser", "colleague"])
def test_helpdesk_cannot_edit_a_privileged_users_flags(helpdesk_client, helpdesk, request,
                                                       target):
    victim = request.getfixturevalue(target)
    url = reverse("admin:accounts_user_change", args=[victim.pk])

    response = helpdesk_client.post(url, change_data(
        victim, must_change_password="on", is_active=None, office_phone="+46 8 123 456 78"))

    assert response.status_code == HTTPStatus.FORBIDDEN
    stored = User.objects.get(pk=victim.pk)
    assert stored.is_active
    assert not stored.office_phone
    assert_untouched(victim)


def test_helpdesk_cannot_promote_an_ordinary_user(helpdesk_client, ordinary):
    url = reverse("admin:accounts_user_change", args=[ordinary.pk])

    helpdesk_client.post(url, change_data(ordinary, is_staff="on", is_superuser="on"))

    stored = User.objects.get(pk=ordinary.pk)
    assert not stored.is_staff
    assert not stored.is_superuser


def test_an_edit_of_security_flags_is_audited_and_a_new_office_phone_is_told(
    helpdesk_client, helpdesk, ordinary
):
    url = reverse("admin:accounts_user_change", args=[ordinary.pk])

    response = helpdesk_client.post(url, change_data(
        ordinary, must_change_password="on", office_phone="+46 8 123 456 78"))

    assert response.status_code == HTTPStatus.FOUND
    stored = User.objects.get(pk=ordinary.pk)
    assert stored.must_change_password
    assert str(stored.office_phone) == "+46812345678"
    changed = AuditEvent.objects.get(type=AuditEvent.Type.ACCOUNT_CHANGED_BY_ADMIN)
    assert (changed.actor, changed.subject) == (helpdesk, ordinary)
    assert set(changed.details["fields"]) == {"must_change_password", "office_phone"}
    method = AuditEvent.objects.get(type=AuditEvent.Type.METHOD_REGISTERED)
    assert (method.actor, method.subject) == (helpdesk, ordinary)
    assert Message.objects.filter(event=method).exists()


def test_nobody_deletes_an_account_through_the_admin(superuser, ordinary):
    client = Client()
    admin_login(client, superuser)

    response = client.post(reverse("admin:accounts_user_delete", args=[ordinary.pk]),
                           {"post": "yes"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert User.objects.filter(pk=ordinary.pk).exists()
