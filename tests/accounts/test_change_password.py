from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Message, PasswordPolicy, ResetPolicy, User
from accounts.services import set_new_password
from tests.factories import PASSWORD, UserFactory
from verification.models import OutboxEntry

pytestmark = pytest.mark.django_db

CHANGE = "accounts:password-change"
NEW = "Orchid-Tundra-Piano-48"


@pytest.fixture
def user():
    # Registering methods is another page's concern; here it must not interrupt.
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    return UserFactory(username="erik", email="erik@example.org")


def signed_in(user) -> Client:
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD})
    assert SESSION_KEY in client.session
    return client


def change(client, old=PASSWORD, new=NEW, confirm=None):
    return client.post(reverse(CHANGE), {"old_password": old, "new_password1": new,
                                         "new_password2": confirm or new})


def test_changing_the_password_signs_out_every_session_and_tells_the_user(
    user, django_capture_on_commit_callbacks
):
    laptop, phone = signed_in(user), signed_in(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = change(laptop)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("accounts:sign-in")
    assert SESSION_KEY not in laptop.session
    # The other browser's session no longer matches the password and is ended.
    assert phone.get(reverse("accounts:overview")).status_code == HTTPStatus.FOUND
    assert SESSION_KEY not in phone.session
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert user.password_changed_at is not None
    event = AuditEvent.objects.get(type=AuditEvent.Type.PASSWORD_CHANGED)
    assert (event.actor, event.subject) == (user, user)
    assert Message.objects.get(event=event, to="erik@example.org").status == Message.Status.SENT
    (mail,) = OutboxEntry.objects.filter(to="erik@example.org")
    assert "was changed" in mail.body


def test_the_new_password_signs_in_and_the_old_one_does_not(user):
    change(signed_in(user))
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": "erik", "password": PASSWORD})
    assert SESSION_KEY not in client.session
    client.post(reverse("accounts:sign-in"), {"username": "erik", "password": NEW})
    assert SESSION_KEY in client.session


@pytest.mark.parametrize(("old", "new", "confirm", "field"), [
    ("Not-my-password-1", NEW, NEW, "old_password"),
    (PASSWORD, NEW, NEW + "x", "new_password2"),
    (PASSWORD, "short", "short", "new_password1"),
    (PASSWORD, PASSWORD, PASSWORD, "new_password1"),
    (PASSWORD, "x" * 1_000_000, "x" * 1_000_000, "new_password1"),
])
def test_a_refused_change_says_why_and_changes_nothing(user, old, new, confirm, field):
    client = signed_in(user)
    response = change(client, old, new, confirm)
    assert response.status_code == HTTPStatus.OK
    assert field in response.context_data["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_CHANGED).exists()


@pytest.mark.usefixtures("steady_clock")
def test_wrong_current_passwords_are_rate_limited(user, settings):
    settings.SSPR_CHANGE_PASSWORD_RATE = "3/15m"
    client = signed_in(user)
    for _ in range(3):
        change(client, old="Not-my-password-1")
    response = change(client)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse(CHANGE)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_locked_account_cannot_change_its_password(user):
    client = signed_in(user)
    for _ in range(10):
        Client().post(reverse("accounts:sign-in"), {"username": "erik", "password": "Nope-123456"})
    response = change(client)
    assert response.status_code == HTTPStatus.OK
    assert response.context_data["locked"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_user_who_must_change_can_reach_nothing_else(user):
    user.must_change_password = True
    user.save()
    client = signed_in(user)
    for name in ["accounts:overview", "home", "admin:index"]:
        response = client.get(reverse(name))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse(CHANGE)
    assert client.get(reverse(CHANGE)).status_code == HTTPStatus.OK
    change(client)
    user.refresh_from_db()
    assert not user.must_change_password


def test_an_expired_password_must_be_changed(user, settings):
    policy = PasswordPolicy.current()
    policy.expiry_days = 30
    policy.save()
    user.password_changed_at = user.date_joined.replace(year=user.date_joined.year - 1)
    user.save()
    response = signed_in(user).get(reverse("accounts:overview"))
    assert response["Location"] == reverse(CHANGE)


def test_a_password_that_never_expires_is_not_forced(user):
    policy = PasswordPolicy.current()
    policy.expiry_days = 30
    policy.save()
    user.password_changed_at = user.date_joined.replace(year=user.date_joined.year - 1)
    user.password_never_expires = True
    user.save()
    assert signed_in(user).get(reverse("accounts:overview")).status_code == HTTPStatus.OK


def test_my_account_shows_recent_sign_ins_and_failures(user):
    Client().post(reverse("accounts:sign-in"), {"username": "erik", "password": "Nope-123456"},
                  HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0")
    client = signed_in(user)
    html = client.get(reverse("accounts:overview")).content.decode()
    assert "Firefox on Linux" in html
    assert "Wrong password" in html
    assert "Signed in" in html


def test_the_live_check_reports_each_rule(client, user):
    client.force_login(user)
    result = client.post(reverse("accounts:password-check"), {"password": "erik1234"}).json()
    rules = {r["rule"]: r["ok"] for r in result["rules"]}
    assert rules["length"] is False
    result = client.post(reverse("accounts:password-check"), {"password": NEW}).json()
    assert all(r["ok"] for r in result["rules"])
    assert result["score"] >= 3


def test_createsuperuser_applies_the_same_policy(monkeypatch, capsys):
    answers = iter(["password1234", "password1234", "n", NEW, NEW])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    call_command("createsuperuser", interactive=True, username="root", email="root@example.org",
                 stdin=None)
    assert "too common" in capsys.readouterr().err
    assert User.objects.get(username="root").check_password(NEW)


def test_a_password_change_keeps_an_administrators_concurrent_change(user):
    stale = User.objects.get(pk=user.pk)  # loaded by the request before the admin saved
    admin_copy = User.objects.get(pk=user.pk)
    admin_copy.email, admin_copy.is_staff = "erik.new@example.org", True
    admin_copy.save()

    set_new_password(user=stale, password=NEW, event_type=AuditEvent.Type.PASSWORD_CHANGED)

    user.refresh_from_db()
    assert (user.email, user.is_staff) == ("erik.new@example.org", True)
    assert user.check_password(NEW)
