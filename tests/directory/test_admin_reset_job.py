"""An administrator's reset job against a directory (the stub of tests.directory.stub).

The job asks the authority rule, then writes to the directory outside any transaction: a
lease keeps the answer true across the write. A typed password reaches the directory as
itself, sealed on the job only while the job runs.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import staff
from accounts.authority import Refusal
from accounts.directory import DirectoryUnavailable
from accounts.messages import unseal
from accounts.models import AdminResetJob, AdminResetJobItem, AuditEvent, User
from accounts.resets import run_job
from tests.accounts.test_admin_reset_job import TYPED, start
from tests.admin_session import admin_login
from tests.factories import PASSWORD, UserFactory

# Real commits: the job's transactions and its messages on commit, as in production.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("job_run_here")]

State = AdminResetJobItem.State


# --- The lease: nobody is promoted between the rule's answer and the directory write --------

@pytest.fixture
def promoting_directory(failing, ada):
    """A directory during whose password write a superuser promotes the target."""
    failing.keeps_password_hashes = False  # a server: written outside any transaction
    failing.promotions = []
    original = failing.set_password

    def set_password(user, password, *, must_change=False):
        target = User.objects.get(pk=user.pk)
        target.is_staff = target.is_superuser = True
        try:
            staff.save_account(actor=ada, user=target, changed=["is_staff", "is_superuser"])
            failing.promotions.append("promoted")
        except staff.ChangeRefused as refused:
            failing.promotions.append(refused.args[0])
        original(user, password, must_change=must_change)

    failing.set_password = set_password
    return failing


def test_a_target_cannot_be_promoted_while_the_job_writes_their_password(
        helpdesk, promoting_directory):
    olga = UserFactory(username="olga")
    job = start(helpdesk, [olga])

    run_job(job_id=job.pk)

    # Without the lease the promotion went through and a helpdesk reset a superuser.
    olga.refresh_from_db()
    assert (olga.is_staff, olga.is_superuser) == (False, False)
    assert job.items.get().state == State.DONE
    assert promoting_directory.promotions == [Refusal.RESET_RUNNING]
    refused = AuditEvent.objects.get(type=AuditEvent.Type.ADMIN_ACTION_REFUSED, subject=olga)
    assert refused.details["reason"] == Refusal.RESET_RUNNING


def test_the_promotion_works_once_the_reset_is_recorded(helpdesk, ada):
    olga = UserFactory(username="olga")
    run_job(job_id=start(helpdesk, [olga]).pk)
    olga.is_staff = True

    staff.save_account(actor=ada, user=olga, changed=["is_staff"])

    assert User.objects.get(pk=olga.pk).is_staff
    assert not AdminResetJobItem.objects.filter(lease_until__isnull=False).exists()


def test_the_admin_page_says_why_a_promotion_must_wait(helpdesk, ada):
    olga = UserFactory(username="olga")
    job = start(helpdesk, [olga])
    job.items.update(lease_until=timezone.now() + timedelta(minutes=1))  # a worker is on her
    client = Client()
    admin_login(client, ada)
    url = reverse("admin:accounts_user_change", args=[olga.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update({"is_staff": "on", "groups": [], "user_permissions": [],
                 "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
                 "last_login_0": "", "last_login_1": ""})

    response = client.post(url, data)

    assert response.status_code == HTTPStatus.OK
    assert "a password reset of this account is running" in response.content.decode()
    assert not User.objects.get(pk=olga.pk).is_staff


# --- A typed password reaches the directory ----------------------------------------------------

@pytest.fixture
def server_like(failing):
    """The stub directory as a server: it keeps no hash, so it needs the password itself."""
    failing.keeps_password_hashes = False
    failing.written = []
    original = failing.set_password

    def set_password(user, password, *, must_change=False):
        failing.written.append((user.username, password, must_change))
        original(user, password, must_change=must_change)

    failing.set_password = set_password
    return failing


def test_a_typed_password_is_written_to_the_directory_for_each_user(ada, server_like):
    users = [UserFactory(username=f"dir{i}") for i in range(2)]
    job = start(ada, users, delivery="show", typed_password=TYPED)

    stored = AdminResetJob.objects.get(pk=job.pk)
    assert TYPED not in stored.typed_password_sealed
    assert unseal(stored.typed_password_sealed) == {"password": TYPED}
    run_job(job_id=job.pk)

    assert sorted(server_like.written) == [("dir0", TYPED, True), ("dir1", TYPED, True)]
    job.refresh_from_db()
    assert job.is_done
    assert job.typed_password_sealed == ""
    assert set(job.items.values_list("state", flat=True)) == {State.DONE}
    for user in users:
        user.refresh_from_db()
        assert not user.has_usable_password()  # the directory has it, the portal no copy
        assert user.must_change_password


def test_a_typed_password_is_erased_when_the_job_fails(ada, server_like, time_machine,
                                                       settings):
    job = start(ada, [UserFactory()], delivery="show", typed_password=TYPED)
    server_like.failure = RuntimeError("worker bug")

    with pytest.raises(RuntimeError):
        run_job(job_id=job.pk)

    assert AdminResetJob.objects.get(pk=job.pk).typed_password_sealed == ""
    server_like.failure = None
    time_machine.move_to(timezone.now() + timedelta(
        seconds=settings.SSPR_ADMIN_RESET_LEASE_SECONDS + 1))
    job = run_job(job_id=job.pk)
    item = job.items.get()
    assert (item.state, item.reason) == (
        State.SKIPPED, "the typed password was erased when the job stopped")


def test_a_directory_refusing_a_typed_password_fails_that_user_only(ada, server_like):
    refused, taken = UserFactory(username="refused"), UserFactory(username="taken")
    original = server_like.set_password

    def refuse_one(user, password, *, must_change=False):
        server_like.failure = DirectoryUnavailable() if user.username == "refused" else None
        original(user, password, must_change=must_change)

    server_like.set_password = refuse_one
    job = start(ada, [refused, taken], delivery="show", typed_password=TYPED)

    run_job(job_id=job.pk)

    states = dict(job.items.values_list("user__username", "state"))
    assert states == {"refused": State.FAILED, "taken": State.DONE}
    refused.refresh_from_db()
    assert refused.check_password(PASSWORD)
    assert not refused.must_change_password
