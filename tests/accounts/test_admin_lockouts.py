"""The Lockouts page: who is locked out and until when, unlocked through the authority rule."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.lockout import is_locked_out
from accounts.models import AuditEvent, SignInLockout, User
from tests.admin_session import admin_login
from tests.factories import UserFactory
from verification.management.commands.demo_data import lock_out

pytestmark = pytest.mark.django_db

LIST = "admin:accounts_signinlockout_changelist"


def helpdesk_client() -> tuple[User, Client]:
    helpdesk = UserFactory(username="helga", is_staff=True)
    helpdesk.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_user", "change_user", "view_signinlockout"]))
    helpdesk = User.objects.get(pk=helpdesk.pk)
    return helpdesk, admin_login(Client(), helpdesk)


def unlock(client: Client, *keys: str):
    rows = SignInLockout.objects.filter(key__in=keys).values_list("pk", flat=True)
    return client.post(reverse(LIST), {"action": "unlock", "_selected_action": list(rows)})


def test_the_page_lists_who_is_locked_and_until_when(admin_client):
    carol, alice = UserFactory(username="carol"), UserFactory(username="alice")
    lock_out(carol)
    lock_out(UserFactory.build(username="nobody-by-that-name"))
    SignInLockout.objects.create(key="alice", failures=3)  # wrong tries, not locked

    page = admin_client.get(reverse(LIST))

    assert page.status_code == HTTPStatus.OK
    listed = {row.key: row for row in page.context["cl"].result_list}
    assert set(listed) == {"carol", "nobody-by-that-name"}
    assert listed["carol"].account_exists
    assert not listed["nobody-by-that-name"].account_exists
    assert str(listed["carol"].locked_until.year) in page.content.decode()
    assert is_locked_out(carol)
    assert not is_locked_out(alice)


def test_unlocking_from_the_page_is_audited_and_told_to_the_person(admin_client, admin_user):
    carol = UserFactory(username="carol")
    lock_out(carol)

    response = unlock(admin_client, "carol")

    assert response.status_code == HTTPStatus.FOUND
    assert not is_locked_out(carol)
    event = AuditEvent.objects.get(type=AuditEvent.Type.ACCOUNT_UNLOCKED, subject=carol)
    assert event.actor == admin_user
    assert "1 account unlocked" in admin_client.get(response["Location"]).content.decode()


def test_a_helpdesk_account_cannot_unlock_an_administrator_from_the_page():
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    olga = UserFactory(username="olga")
    lock_out(boss)
    lock_out(olga)
    helpdesk, client = helpdesk_client()

    response = unlock(client, "boss", "olga")

    assert is_locked_out(boss)
    assert not is_locked_out(olga)
    refused = AuditEvent.objects.get(type=AuditEvent.Type.ADMIN_ACTION_REFUSED, subject=boss)
    assert refused.actor == helpdesk
    assert refused.details["action"] == "unlock"
    assert "1 account skipped" in client.get(response["Location"]).content.decode()


def test_staff_without_the_right_to_change_users_see_no_unlock_action():
    viewer = UserFactory(username="vera", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_signinlockout"))
    client = admin_login(Client(), User.objects.get(pk=viewer.pk))
    carol = UserFactory(username="carol")
    lock_out(carol)

    page = client.get(reverse(LIST))
    unlock(client, "carol")

    assert page.status_code == HTTPStatus.OK
    assert 'value="unlock"' not in page.content.decode()
    assert is_locked_out(carol)


def test_nobody_adds_changes_or_deletes_a_lockout_row(admin_client):
    lock_out(UserFactory(username="carol"))
    row = SignInLockout.objects.get(key="carol")

    assert admin_client.get(reverse("admin:accounts_signinlockout_add")).status_code == \
        HTTPStatus.FORBIDDEN
    delete = reverse("admin:accounts_signinlockout_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert SignInLockout.objects.filter(pk=row.pk, locked_until=row.locked_until).exists()
