"""Whole journeys through the wizard, one per method, one and two gates, reset and unlock."""

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import is_locked_out
from accounts.models import AuditEvent
from reset.models import ResetAttempt
from tests.factories import PASSWORD, UserFactory
from verification.models import OutboxEntry

from .conftest import (
    ALT_EMAIL,
    OFFICE,
    PHONE,
    CommittingClient,
    app_code,
    identify,
    known_answers,
    last_code,
    register_everything,
)

pytestmark = pytest.mark.django_db

NEW = "Orchid-Tundra-Piano-48"
DESTINATIONS = {"email": ALT_EMAIL, "sms": PHONE, "mobile_call": PHONE, "office_call": OFFICE}


def lock_out(username):
    for _ in range(10):
        CommittingClient().post(reverse("accounts:sign-in"),
                                {"username": username, "password": "Nope-1234"})


def choose(client, method):
    response = client.post(reverse("reset:verify"), {"method": method})
    assert response["Location"] == reverse("reset:gate", kwargs={"method": method})
    return reverse("reset:gate", kwargs={"method": method})


def pass_gate(client, user, method, *, typed=None):
    """Pass one gate the way a person does; return the response to the final answer."""
    url = choose(client, method)
    if method in DESTINATIONS:
        client.post(url, {"destination": typed or DESTINATIONS[method]})
        return client.post(url, {"code": last_code(DESTINATIONS[method])})
    if method == "authenticator":
        return client.post(url, {"code": app_code(user)})
    questions = client.get(url).context_data["form"].fields
    answers = known_answers()
    return client.post(url, {name: answers.get(field.label, "no idea")
                             for name, field in questions.items()})


def finish(client):
    return client.post(reverse("reset:new-password"),
                       {"new_password1": NEW, "new_password2": NEW})


@pytest.mark.parametrize("method", ["email", "sms", "mobile_call", "office_call", "authenticator"])
def test_one_gate_reset_with_each_method(client, registered, method):
    other_browser = CommittingClient()
    other_browser.force_login(registered)
    identify(client, "hanna")

    response = pass_gate(client, registered, method)
    assert response["Location"] == reverse("reset:new-password")
    response = finish(client)

    assert response["Location"] == reverse("reset:done")
    assert b"Your password has been reset" in client.get(reverse("reset:done")).content
    assert SESSION_KEY not in client.session  # no automatic sign-in
    registered.refresh_from_db()
    assert registered.check_password(NEW)
    assert other_browser.get(reverse("accounts:overview")).status_code == HTTPStatus.FOUND
    event = AuditEvent.objects.get(type=AuditEvent.Type.PASSWORD_RESET)
    assert event.details["methods"] == [method]
    # Told at the work address and at the alternate one, each in an email of its own.
    for address in ["hanna@example.org", ALT_EMAIL]:
        assert OutboxEntry.objects.filter(to=address, subject__contains="password was changed")


def test_questions_are_the_only_gate_only_when_the_policy_says_so(client, registered, policy):
    identify(client, "hanna")
    offered = [k for k, _ in client.get(reverse("reset:verify")).context_data["form"]
               .fields["method"].choices]
    assert "questions" not in offered
    policy.questions_may_be_only_gate = True
    policy.save()
    response = pass_gate(client, registered, "questions")
    assert response["Location"] == reverse("reset:new-password")


def test_two_gates_need_two_different_factors(client, registered, policy):
    policy.methods_required = 2
    policy.save()
    identify(client, "hanna")
    response = pass_gate(client, registered, "sms")
    assert response["Location"] == reverse("reset:verify")
    offered = [k for k, _ in client.get(reverse("reset:verify")).context_data["form"]
               .fields["method"].choices]
    assert "sms" not in offered
    assert "mobile_call" not in offered  # the same phone is the same factor
    assert client.post(reverse("reset:verify"), {"method": "mobile_call"}).status_code == \
        HTTPStatus.OK
    response = pass_gate(client, registered, "questions")
    assert response["Location"] == reverse("reset:new-password")


def test_administrators_need_two_gates_and_never_pass_on_questions(client, policy):
    admin = register_everything(UserFactory(username="boss", is_staff=True))
    policy.methods_required = 2
    policy.save()
    identify(client, "boss")
    pass_gate(client, admin, "email")
    response = pass_gate(client, admin, "questions")
    assert response["Location"] == reverse("reset:verify")
    assert ResetAttempt.objects.get().gates_passed == ["email"]


def test_an_administrators_reset_is_told_to_the_other_administrators(client, policy):
    admin = register_everything(UserFactory(username="boss", is_staff=True, is_superuser=True))
    UserFactory(username="colleague", email="colleague@example.org", is_staff=True,
                is_superuser=True)
    identify(client, "boss")
    pass_gate(client, admin, "email")
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        pass_gate(client, admin, "authenticator")
        finish(client)
    alert = OutboxEntry.objects.get(to__contains="colleague@example.org")
    assert "boss" in alert.subject


def test_unlock_clears_the_lockout_without_changing_the_password(client, registered):
    lock_out("hanna")
    assert is_locked_out(registered)
    identify(client, "hanna", mode="unlock")
    response = pass_gate(client, registered, "sms")

    assert response["Location"] == reverse("reset:done")
    assert b"Your account is unlocked" in client.get(reverse("reset:done")).content
    assert not is_locked_out(registered)
    registered.refresh_from_db()
    assert registered.check_password(PASSWORD)
    assert AuditEvent.objects.filter(type=AuditEvent.Type.ACCOUNT_UNLOCKED).exists()
    assert OutboxEntry.objects.filter(subject__contains="unlocked").exists()


def test_a_reset_also_unlocks(client, registered):
    lock_out("hanna")
    identify(client, "hanna")
    pass_gate(client, registered, "email")
    finish(client)
    assert not is_locked_out(registered)


def test_a_password_breaking_the_policy_is_refused_at_the_last_step(client, registered):
    identify(client, "hanna")
    pass_gate(client, registered, "email")
    response = client.post(reverse("reset:new-password"),
                           {"new_password1": "hanna", "new_password2": "hanna"})
    assert response.status_code == HTTPStatus.OK
    assert response.context_data["form"].errors
    registered.refresh_from_db()
    assert registered.check_password(PASSWORD)
