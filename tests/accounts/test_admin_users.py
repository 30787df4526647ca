from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import is_locked_out
from accounts.models import AdminResetJob, AuditEvent, PasswordPolicy
from accounts.tasks import sweep_password_expiry_reminders
from tests.admin_session import admin_login
from tests.factories import PASSWORD, UserFactory
from verification.management.commands.demo_data import lock_out
from verification.models import OutboxEntry

pytestmark = pytest.mark.django_db

LIST = "admin:accounts_user_changelist"


def act(client, action, users, **extra):
    return client.post(reverse(LIST), {"action": action,
                                       "_selected_action": [u.pk for u in users], **extra})


def listed(client, **query) -> set[str]:
    return {u.username for u in client.get(reverse(LIST), query).context["cl"].result_list}


def test_unlock_clears_the_lockout_and_is_audited(admin_client, admin_user):
    carol = UserFactory(username="carol")
    lock_out(carol)
    assert listed(admin_client, locked="yes") == {"carol"}

    act(admin_client, "unlock", [carol])

    assert not is_locked_out(carol)
    event = AuditEvent.objects.get(type=AuditEvent.Type.ACCOUNT_UNLOCKED)
    assert (event.actor, event.subject) == (admin_user, carol)
    assert listed(admin_client, locked="yes") == set()


def test_force_change_flags_the_selection_but_never_the_acting_admin(admin_client, admin_user):
    users = [UserFactory(), UserFactory()]

    act(admin_client, "force_change", [*users, admin_user], select_across="1")

    for user in users:
        user.refresh_from_db()
        assert user.must_change_password
    admin_user.refresh_from_db()
    assert not admin_user.must_change_password
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_CHANGE_FORCED).count() == 2
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": users[0].username,
                                              "password": PASSWORD})
    assert client.get(reverse("accounts:overview"))["Location"] == reverse(
        "accounts:password-change")
    assert listed(admin_client, must_change_password__exact="1") == {u.username for u in users}


def test_a_password_can_be_marked_never_to_expire(admin_client):
    policy = PasswordPolicy.current()
    policy.expiry_days = 90
    policy.save()
    old = timezone.now() - timedelta(days=100)
    kept, lapsed = UserFactory(username="kept"), UserFactory(username="lapsed")
    for user in (kept, lapsed):
        user.password_changed_at = old
        user.save()
    assert listed(admin_client, expired="yes") == {"kept", "lapsed"}

    act(admin_client, "never_expires", [kept])

    kept.refresh_from_db()
    assert kept.password_never_expires
    assert listed(admin_client, expired="yes") == {"lapsed"}


def test_staff_without_change_permission_cannot_unlock_or_force():
    carol = UserFactory()
    lock_out(carol)
    client = Client()
    admin_login(client, UserFactory(is_staff=True))
    response = act(client, "unlock", [carol])
    act(client, "force_change", [carol])
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert is_locked_out(carol)
    carol.refresh_from_db()
    assert not carol.must_change_password


def test_the_office_phone_is_not_edited_inline_in_the_user_list(admin_client):
    user = UserFactory(username="olle")
    admin_client.post(reverse(LIST), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(user.pk),
        "form-0-office_phone": "+46 8 123 456 78", "_save": "Save"})
    user.refresh_from_db()
    assert not user.office_phone
    assert not AuditEvent.objects.filter(subject=user).exists()


def test_expiry_reminders_go_out_once_per_password(time_machine,
                                                   django_capture_on_commit_callbacks):
    time_machine.move_to("2026-06-01 08:00Z")
    policy = PasswordPolicy.current()
    policy.expiry_days, policy.expiry_reminder_days = 90, 14
    policy.save()
    now = timezone.now()
    due = UserFactory(email="due@example.org", password_changed_at=now - timedelta(days=80))
    UserFactory(email="early@example.org", password_changed_at=now - timedelta(days=70))
    UserFactory(email="exempt@example.org", password_changed_at=now - timedelta(days=80),
                password_never_expires=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_password_expiry_reminders() == 1
        assert sweep_password_expiry_reminders() == 0

    (mail,) = OutboxEntry.objects.all()
    assert mail.to == "due@example.org"
    assert "expires on" in mail.body
    due.password_changed_at = timezone.now()
    due.save()
    time_machine.move_to("2026-08-20 08:00Z")
    assert sweep_password_expiry_reminders() == 1


def test_no_reminders_when_passwords_never_expire():
    UserFactory(password_changed_at=timezone.now() - timedelta(days=3000))
    assert sweep_password_expiry_reminders() == 0


@pytest.mark.django_db(transaction=True)
def test_the_command_resets_the_users_in_a_csv_file(admin_user, tmp_path, capsys):
    _erik, frida, other = (UserFactory(username="erik"), UserFactory(email="frida@example.org"),
                          UserFactory())
    listing = tmp_path / "users.csv"
    listing.write_text("username,email\nERIK,\n,frida@example.org\n")
    output = tmp_path / "passwords.csv"

    call_command("reset_passwords", listing, "--as", "ada", "--delivery", "show",
                 "--output", output)

    job = AdminResetJob.objects.get()
    assert (job.actor, job.total, job.status) == (admin_user, 2, "done")
    rows = output.read_text().splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == sorted(["erik", frida.username])
    other.refresh_from_db()
    assert other.check_password(PASSWORD)
    assert "2 of 2 users" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_command_reports_the_rows_it_finds_no_user_for(admin_user, tmp_path, capsys):
    UserFactory(username="erik")
    listing = tmp_path / "users.csv"
    listing.write_text("username,email\nerik,\nghost,\n,nobody@example.org\n,\n")

    call_command("reset_passwords", listing, "--as", "ada")

    err = capsys.readouterr().err
    assert "row 3: no user ghost" in err
    assert "row 4: no user nobody@example.org" in err
    assert "row 5: no username or email" in err
    assert "erik" not in err
    assert AdminResetJob.objects.get().total == 1


def test_the_command_refuses_an_administrator_without_the_permission(tmp_path):
    UserFactory(username="clerk", is_staff=True)
    listing = tmp_path / "users.csv"
    listing.write_text("username\nerik\n")
    with pytest.raises(CommandError, match="may not reset"):
        call_command("reset_passwords", listing, "--as", "clerk")
