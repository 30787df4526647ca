"""Step 1 and what it reveals: nothing, in protected mode (SPEC 2.2, 8.1)."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.hashers import Argon2idHasher
from accounts.models import AuditEvent
from reset.models import ResetAttempt
from tests.factories import UserFactory
from verification.models import OutboxEntry, VerificationCode

from .conftest import identify, register_everything, solve_captcha

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids(policy):
    """One ID in each state the wizard must not tell apart."""
    group = Group.objects.create(name="sspr")
    register_everything(UserFactory(username="real"))
    register_everything(UserFactory(username="elsewhere", password_managed_elsewhere=True))
    register_everything(UserFactory(username="boss", is_staff=True))
    UserFactory(username="unregistered")
    not_enabled = register_everything(UserFactory(username="notenabled"))
    policy.enabled_for = policy.EnabledFor.GROUP
    policy.enabled_group = group
    policy.save()
    for name in ["real", "elsewhere", "unregistered", "boss"]:
        group.user_set.add(*type(not_enabled).objects.filter(username=name))
    return ["real", "boss", "nobody-by-that-name", "notenabled", "unregistered", "elsewhere"]


def page(client, response) -> tuple:
    """What a visitor sees: status, where it leads, and the next page without tokens."""
    follow = client.get(response["Location"])
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", follow.content.decode())
    return response.status_code, response["Location"], follow.status_code, html


def test_every_kind_of_id_gets_the_same_pages(client, ids, monkeypatch):
    hashes = []
    monkeypatch.setattr(Argon2idHasher, "encode", lambda *a, **k: hashes.append(1))
    seen = set()
    for user_id in ids:
        client.cookies.clear()
        seen.add(page(client, identify(client, user_id)))
    assert len(seen) == 1
    status, location, _, _ = seen.pop()
    assert (status, location) == (HTTPStatus.FOUND, reverse("reset:verify"))
    assert hashes == []
    assert not VerificationCode.objects.exists()
    assert not OutboxEntry.objects.exists()


def test_every_kind_of_id_is_offered_the_same_methods_and_ends_alike(client, ids):
    endings = set()
    for user_id in ids:
        client.cookies.clear()
        identify(client, user_id)
        verify = without_tokens(client.get(reverse("reset:verify")).content.decode())
        client.post(reverse("reset:give-up"))
        outcome = without_tokens(client.get(reverse("reset:outcome")).content.decode())
        endings.add((verify, outcome))
    assert len(endings) == 1


def without_tokens(html: str) -> str:
    """The page without what differs by design: CSRF tokens and the support code."""
    return re.sub(r'[0-9A-Z]{4}-[0-9A-Z]{4}|csrfmiddlewaretoken" value="[^"]+', "", html)


def test_the_start_is_audited_with_the_real_reason_and_a_support_code(client, ids):
    identify(client, "elsewhere")
    event = AuditEvent.objects.get(type=AuditEvent.Type.RESET_STARTED)
    attempt = ResetAttempt.objects.get()
    assert event.details["eligibility"] == "managed_elsewhere"
    assert event.support_code == attempt.support_code
    assert client.session["reset.attempt"] == str(attempt.pk)


def test_the_captcha_is_required_and_works_once(client, registered):
    answer = solve_captcha(client)
    first = client.post(reverse("reset:identify"), {"username": "hanna", "mode": "reset",
                                                    **answer})
    assert first.status_code == HTTPStatus.FOUND
    client.cookies.clear()
    replay = client.post(reverse("reset:identify"), {"username": "hanna", "mode": "reset",
                                                     **answer})
    assert replay.status_code == HTTPStatus.OK
    assert "captcha" in replay.context_data["form"].errors
    assert ResetAttempt.objects.count() == 1


def test_a_wrong_captcha_answer_burns_the_picture(client, registered):
    answer = solve_captcha(client)
    wrong = {**answer, "captcha_1": "XXXXX"}
    client.post(reverse("reset:identify"), {"username": "hanna", "mode": "reset", **wrong})
    again = client.post(reverse("reset:identify"), {"username": "hanna", "mode": "reset",
                                                    **answer})
    assert "captcha" in again.context_data["form"].errors


@pytest.mark.parametrize("username", [
    "x" * 10_000, "hanna\x00", "hanna\r\nX-Header: 1", "\u202ehanna", "ｈａｎｎａ", "",
])
def test_odd_ids_get_a_clear_answer_never_a_500(client, registered, username):
    response = identify(client, username)
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}


def test_arrays_and_missing_fields_are_refused_clearly(client):
    response = client.post(reverse("reset:identify"),
                           {"username": ["a", "b"], "mode": ["reset", "unlock"]})
    assert response.status_code == HTTPStatus.OK
    assert response.context_data["form"].errors
    assert not ResetAttempt.objects.exists()


def test_a_look_alike_id_is_the_same_account(client, registered):
    identify(client, "ＨＡＮＮＡ")
    assert ResetAttempt.objects.get().user == registered


@pytest.mark.usefixtures("steady_clock")
def test_one_address_may_start_only_so_many_resets(client, settings, registered):
    settings.SSPR_RESET_IDENTIFY_IP_RATE = "3/m"
    statuses = [identify(client, f"user{n}").status_code for n in range(4)]
    assert statuses == [HTTPStatus.FOUND] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]
