"""The server decides where an attempt is: no skipping, no replay, no hidden fields (SPEC 8.2)."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reset.models import ResetAttempt
from tests.factories import UserFactory
from verification.models import VerificationCode

from .conftest import PHONE, CommittingClient, identify, last_code, register_everything

pytestmark = pytest.mark.django_db

NEW = "Orchid-Tundra-Piano-48"


def without_tokens(html: bytes) -> bytes:
    return re.sub(rb'value="[^"]{20,}"', b"", html)


@pytest.mark.parametrize("name", ["reset:new-password", "reset:done", "reset:outcome"])
def test_later_steps_send_you_back_to_your_own(client, registered, name):
    identify(client, "hanna")
    response = client.get(reverse(name))
    assert response["Location"] == reverse("reset:verify")
    response = client.post(reverse("reset:new-password"),
                           {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("reset:verify")
    registered.refresh_from_db()
    assert not registered.check_password(NEW)


def test_without_an_attempt_every_step_starts_over(client):
    for name in ["reset:verify", "reset:new-password", "reset:done", "reset:outcome"]:
        assert client.get(reverse(name))["Location"] == reverse("reset:identify")


def test_a_method_that_is_not_offered_cannot_be_chosen(client, registered, policy):
    policy.allow_authenticator = False
    policy.save()
    identify(client, "hanna")
    response = client.post(reverse("reset:verify"), {"method": "authenticator"})
    assert response.status_code == HTTPStatus.OK
    assert "method" in response.context_data["form"].errors
    gate = client.get(reverse("reset:gate", kwargs={"method": "authenticator"}))
    assert gate["Location"] == reverse("reset:verify")


def test_a_gate_page_for_another_method_than_the_chosen_one_sends_you_back(client, registered):
    identify(client, "hanna")
    client.post(reverse("reset:verify"), {"method": "sms"})
    response = client.post(reverse("reset:gate", kwargs={"method": "authenticator"}),
                           {"code": "123456"})
    assert response["Location"] == reverse("reset:verify")
    assert client.get(reverse("reset:gate", kwargs={"method": "nonsense"})).status_code == \
        HTTPStatus.NOT_FOUND


def test_extra_fields_cannot_move_the_attempt(client, registered):
    identify(client, "hanna")
    client.post(reverse("reset:verify"), {"method": "sms", "step": "new_password",
                                          "gates_passed": "sms"})
    client.post(reverse("reset:gate", kwargs={"method": "sms"}),
                {"destination": PHONE, "step": "done"})
    attempt = ResetAttempt.objects.get()
    assert (attempt.step, attempt.gates_passed) == ("verify", [])


def test_a_code_from_another_attempt_does_not_work(registered):
    first, second = CommittingClient(), CommittingClient()
    identify(first, "hanna")
    first.post(reverse("reset:verify"), {"method": "sms"})
    first.post(reverse("reset:gate", kwargs={"method": "sms"}), {"destination": PHONE})
    stolen = last_code(PHONE)
    identify(second, "hanna")
    second.post(reverse("reset:verify"), {"method": "sms"})
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        second.post(reverse("reset:gate", kwargs={"method": "sms"}), {"destination": PHONE})
        response = second.post(reverse("reset:gate", kwargs={"method": "sms"}),
                               {"code": stolen})
    assert response.status_code == HTTPStatus.OK
    assert ResetAttempt.objects.get(pk=second.session["reset.attempt"]).gates_passed == []


def test_a_used_code_cannot_be_replayed(client, registered, policy):
    policy.methods_required = 2
    policy.save()
    identify(client, "hanna")
    url = reverse("reset:gate", kwargs={"method": "sms"})
    client.post(reverse("reset:verify"), {"method": "sms"})
    client.post(url, {"destination": PHONE})
    code = last_code(PHONE)
    client.post(url, {"code": code})
    again = client.post(url, {"code": code})
    assert again["Location"] == reverse("reset:verify")
    assert ResetAttempt.objects.get().gates_passed == ["sms"]


def test_an_attempt_ends_after_fifteen_minutes(client, registered):
    identify(client, "hanna")
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        response = client.get(reverse("reset:verify"))
    assert response["Location"] == reverse("reset:identify")


def test_the_done_page_can_be_reloaded_and_the_attempt_cannot_be_reused(client, registered):
    from .test_journeys import finish, pass_gate

    identify(client, "hanna")
    pass_gate(client, registered, "email")
    finish(client)
    assert client.get(reverse("reset:done")).status_code == HTTPStatus.OK
    assert client.get(reverse("reset:done")).status_code == HTTPStatus.OK
    again = client.post(reverse("reset:new-password"),
                        {"new_password1": "Other-Tundra-Piano-77",
                         "new_password2": "Other-Tundra-Piano-77"})
    assert again["Location"] == reverse("reset:done")
    registered.refresh_from_db()
    assert not registered.check_password("Other-Tundra-Piano-77")


def test_a_wrong_destination_sends_nothing_and_reads_the_same(client, registered):
    identify(client, "hanna")
    url = reverse("reset:gate", kwargs={"method": "sms"})
    client.post(reverse("reset:verify"), {"method": "sms"})
    right = client.post(url, {"destination": PHONE})
    page_right = client.get(url).content
    other = CommittingClient()
    identify(other, "hanna")
    other.post(reverse("reset:verify"), {"method": "sms"})
    wrong = other.post(url, {"destination": "+46709999999"})
    page_wrong = other.get(url).content
    assert right.status_code == wrong.status_code == HTTPStatus.FOUND
    assert without_tokens(page_right) == without_tokens(page_wrong)
    assert VerificationCode.objects.count() == 1


def test_an_unknown_id_can_type_codes_like_anyone_and_never_passes(client):
    register_everything(UserFactory(username="someone"))
    identify(client, "ghost")
    url = reverse("reset:gate", kwargs={"method": "sms"})
    client.post(reverse("reset:verify"), {"method": "sms"})
    client.post(url, {"destination": PHONE})
    responses = [client.post(url, {"code": "123456"}) for _ in range(5)]
    assert [r.status_code for r in responses[:4]] == [HTTPStatus.OK] * 4
    assert responses[4]["Location"] == reverse("reset:verify")
    assert ResetAttempt.objects.get().failed_gates == 1
