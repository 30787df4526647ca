"""Helpers that walk the wizard as a person does: solve the CAPTCHA, read codes from the outbox."""

import re

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ResetPolicy
from reset.captcha import challenge_text
from tests.factories import UserFactory
from verification import services as verification
from verification.models import ContactMethod, OutboxEntry, SecurityQuestion

PHONE = "+46701234567"
OFFICE = "+46812345678"
ALT_EMAIL = "alt.address@example.net"
ANSWERS = ["Malmö", "Rex the dog", "Blue Harbour", "Lindgren", "Volvo Amazon"]


def solve_captcha(client) -> dict:
    """The CAPTCHA shown to this browser, and its answer read from the store as a person
    reads the picture."""
    html = client.get(reverse("reset:identify")).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
    return {"captcha_0": key, "captcha_1": challenge_text(key)}


def identify(client, username, mode="reset", **extra):
    return client.post(reverse("reset:identify"),
                       {"username": username, "mode": mode, **solve_captcha(client)}, **extra)


def last_code(to: str) -> str:
    """The newest code the outbox holds for `to` (text, call script or email)."""
    entry = OutboxEntry.objects.filter(to__contains=to).order_by("-created_at", "-id").first()
    assert entry is not None, f"nothing was sent to {to}"
    match = re.search(r"(?:\d[\s,.-]*){6}", entry.body)
    return re.sub(r"\D", "", match.group())[:6]


def app_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def catalogue(count=3) -> list:
    return list(SecurityQuestion.objects.filter(is_custom=False).order_by("pk")[:count])


def known_answers() -> dict[str, str]:
    """Question label → the answer register_everything gave it."""
    return {q.label: a for q, a in zip(catalogue(5), ANSWERS, strict=True)}


def register_everything(user, *, questions=3):
    ContactMethod.objects.create(user=user, kind=ContactMethod.Kind.PHONE, destination=PHONE)
    ContactMethod.objects.create(user=user, kind=ContactMethod.Kind.EMAIL, destination=ALT_EMAIL)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    verification.register_security_answers(
        user=user, answers=list(zip(catalogue(questions), ANSWERS, strict=False)))
    user.office_phone = OFFICE
    user.save()
    return user


class CommittingClient(Client):
    """A test client whose requests run their on-commit callbacks, as a real commit would.

    Codes and notices are queued on commit; the test's own transaction never commits.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture
def policy(db):
    return ResetPolicy.current()


@pytest.fixture
def registered(db):
    return register_everything(UserFactory(username="hanna", email="hanna@example.org"))

