"""The history rule: no Argon2 operation per remembered password (see password_policy)."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, ResetPolicy, User
from accounts.services import set_new_password
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OLD = [f"Orchid-Tundra-Piano-{n}x" for n in range(4)]
NEW = "Lantern-Meadow-Copper-51"


@pytest.fixture
def user():
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    user = UserFactory(username="erik")
    for password in [*OLD, PASSWORD]:  # five passwords: the current one and four before
        set_new_password(user=user, password=password,
                         event_type=AuditEvent.Type.PASSWORD_CHANGED, notify=False)
    return user


def test_changing_the_password_costs_two_argon2_operations(user, argon2_operations):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("accounts:sign-in")
    assert argon2_operations == ["verify", "encode"]
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_a_remembered_password_is_refused_at_the_cost_of_one_operation(user,
                                                                        argon2_operations):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": OLD[0], "new_password2": OLD[0]})
    errors = response.context_data["form"].errors.as_data().values()
    assert "password_reused" in {e.code for field in errors for e in field}
    assert argon2_operations == ["verify", "encode"]


def test_each_user_has_one_salt_of_their_own_at_full_cost(user):
    other = UserFactory()
    set_new_password(user=other, password=NEW, event_type=AuditEvent.Type.PASSWORD_CHANGED)
    salts = {identify_hasher(h).decode(h)["salt"]
             for h in [user.password, *user.previous_passwords]}
    assert len(salts) == 1
    assert identify_hasher(other.password).decode(other.password)["salt"] not in salts
    assert user.password.startswith("argon2$argon2id$")


def test_a_hash_made_with_another_cost_is_still_checked(user, settings, argon2_operations):
    settings.SSPR_ARGON2_TIME_COST += 1
    fresh = User.objects.get(pk=user.pk)
    with pytest.raises(ValidationError) as refused:
        validate_password(OLD[-1], fresh)
    assert refused.value.error_list[0].code == "password_reused"
    assert argon2_operations == ["encode", "verify", "verify", "verify", "verify", "verify"]


def test_a_session_ended_by_a_change_stays_ended_when_the_password_comes_back(user):
    stolen = Client()
    stolen.force_login(user)
    for password in [NEW, *[f"Lantern-Meadow-{n}-Copper" for n in range(4)], PASSWORD]:
        set_new_password(user=user, password=password,
                         event_type=AuditEvent.Type.PASSWORD_CHANGED, notify=False)
    assert stolen.get(reverse("accounts:overview"))["Location"].startswith(
        reverse("accounts:sign-in"))


def test_a_transaction_tried_again_remembers_the_old_password_once(user, monkeypatch):
    from django.db import DatabaseError

    from accounts import services

    before = [user.password, *user.previous_passwords][:4]
    real, calls = services.record_event, []

    def fails_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise DatabaseError("connection lost")
        return real(**kwargs)

    monkeypatch.setattr(services, "record_event", fails_once)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    set_new_password(user=user, password=NEW, event_type=AuditEvent.Type.PASSWORD_CHANGED,
                     notify=False)

    assert len(calls) == 2
    assert User.objects.get(pk=user.pk).previous_passwords == before
