"""Odd input on every field of the wizard gets a clear answer, never a 500 (SPEC 8.1)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from .conftest import identify

pytestmark = pytest.mark.django_db

ODD = ["x" * 10_000, "a\x00b", "123\r\n456", "١٢٣٤٥٦", "１２３４５６", "𝟏𝟐𝟑𝟒𝟓𝟔", "+46 7O 123",
       "a@exämple.org", "ä@ö.se", "\u202e123456", "' OR 1=1 --", "<script>", "", " "]
FIELDS = {  # the step to stand on, and the fields it takes
    "verify": ("reset:verify", None, ["method"]),
    "sms": ("reset:gate", "sms", ["destination", "code", "resend"]),
    "email": ("reset:gate", "email", ["destination", "code"]),
    "authenticator": ("reset:gate", "authenticator", ["code"]),
    "questions": ("reset:gate", "questions", ["q1", "q2", "q3"]),
}


@pytest.fixture(autouse=True)
def questions_allowed(policy):
    policy.questions_may_be_only_gate = True
    policy.save()


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
@pytest.mark.parametrize("step", FIELDS)
def test_every_field_takes_odd_input_without_a_500(client, registered, user_id, step):
    name, method, fields = FIELDS[step]
    url = reverse(name, kwargs={"method": method} if method else None)
    for value in [*ODD, ["a", "b"]]:
        client.cookies.clear()
        identify(client, user_id)
        if method:
            client.post(reverse("reset:verify"), {"method": method})
        for field in fields:
            response = client.post(url, {field: value})
            assert response.status_code in {HTTPStatus.OK, HTTPStatus.FOUND}, (field, value)


@pytest.mark.parametrize("value", [*ODD, ["a", "b"]])
def test_the_first_page_takes_odd_input_without_a_500(client, value):
    for field in ["username", "mode", "captcha_0", "captcha_1"]:
        data = {"username": "hanna", "mode": "reset", "captcha_0": "x", "captcha_1": "y",
                field: value}
        assert client.post(reverse("reset:identify"), data).status_code == HTTPStatus.OK
