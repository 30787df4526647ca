"""Confirming the password again before changing methods: the sign-in lockout, a per-address
limit and the audit log all apply, so it is no side door for guessing."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.lockout import is_locked_out
from accounts.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REAUTH = "accounts:reauthenticate"
WRONG = "Wrong-password-000"


@pytest.fixture
def signed_in():
    user = UserFactory(username="erik")
    client = Client()
    client.force_login(user)
    return user, client


def confirm(client, password, **extra):
    return client.post(reverse(REAUTH), {"password": password}, **extra)


def test_wrong_passwords_here_lock_the_account_as_at_sign_in(signed_in, settings):
    settings.SSPR_REAUTH_IP_RATE = "1000/m"
    user, client = signed_in
    for _ in range(10):
        assert confirm(client, WRONG).status_code == HTTPStatus.OK
    assert is_locked_out(user)

    response = confirm(client, PASSWORD)

    assert response.status_code == HTTPStatus.OK
    assert "your account is locked" in response.content.decode()
    assert not client.session.get("accounts.password_verified_at")
    assert Client().post(reverse("accounts:sign-in"),
                         {"username": "erik", "password": PASSWORD}).status_code == HTTPStatus.OK


def test_failures_at_sign_in_and_here_add_up(signed_in, settings):
    settings.SSPR_REAUTH_IP_RATE = "1000/m"
    user, client = signed_in
    for _ in range(5):
        Client().post(reverse("accounts:sign-in"), {"username": "erik", "password": WRONG})
        confirm(client, WRONG)
    assert is_locked_out(user)


@pytest.mark.usefixtures("steady_clock")
def test_one_address_is_limited_here_whatever_the_password(signed_in, settings):
    settings.SSPR_REAUTH_IP_RATE = "3/m"
    _, client = signed_in
    statuses = [confirm(client, WRONG, REMOTE_ADDR="192.0.2.8").status_code for _ in range(3)]
    limited = confirm(client, PASSWORD, REMOTE_ADDR="192.0.2.8")
    assert statuses == [HTTPStatus.OK] * 3
    assert limited.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not client.session.get("accounts.password_verified_at")
    assert confirm(client, PASSWORD, REMOTE_ADDR="192.0.2.9").status_code == HTTPStatus.FOUND


def test_each_confirmation_is_audited_right_or_wrong(signed_in):
    user, client = signed_in
    confirm(client, WRONG, REMOTE_ADDR="192.0.2.8")
    confirm(client, PASSWORD, REMOTE_ADDR="192.0.2.8")
    events = AuditEvent.objects.filter(subject=user).exclude(
        type=AuditEvent.Type.SIGNED_IN).order_by("id")
    assert [(e.type, e.outcome, e.ip) for e in events] == [
        (AuditEvent.Type.PASSWORD_CONFIRMATION_FAILED, AuditEvent.Outcome.FAILURE, "192.0.2.8"),
        (AuditEvent.Type.PASSWORD_CONFIRMED, AuditEvent.Outcome.SUCCESS, "192.0.2.8"),
    ]
