"""The wizard's query budgets, held for every ID alike.

Identify ≤ 8, the method page ≤ 3 and a gate POST ≤ 8 (issue 15), the choice of a
method 4 (the session, the attempt, the policy and one UPDATE): the CAPTCHA, the policy,
the look-up, one statement for the account's facts and the limits, the attempt, the audit row
and the session make identify; a wrong code is the session, the attempt, the policy, the
attempt again under its lock, the code under its lock, the try charged to it, the audit row
and the attempt saved.
Query counts are deterministic, so they are held here; time is the benchmark's business.
Work queued on commit runs in the worker, not in the request, and is not counted.
"""

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import ALT_EMAIL, PHONE, solve_captcha

pytestmark = pytest.mark.django_db

IDENTIFY, METHOD_PAGE, METHOD_CHOICE, GATE_POST = 8, 3, 4, 8


@pytest.fixture(autouse=True)
def questions_allowed(policy):
    policy.questions_may_be_only_gate = True
    policy.save()


@pytest.fixture
def started(registered):
    def start(user_id):
        client = Client()
        client.post(reverse("reset:identify"), {"username": user_id, "mode": "reset",
                                                **solve_captcha(client)})
        return client
    return start


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_identify(registered, user_id, statements):
    client = Client()
    answer = solve_captcha(client)
    with statements(IDENTIFY):
        client.post(reverse("reset:identify"), {"username": user_id, "mode": "reset", **answer})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_method_page(started, user_id, statements):
    client = started(user_id)
    client.get(reverse("reset:verify"))  # the phone budget's state is cached for seconds
    with statements(METHOD_PAGE):
        client.get(reverse("reset:verify"))


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_method_choice(started, user_id, statements):
    client = started(user_id)
    client.get(reverse("reset:verify"))  # the phone budget's state is cached for seconds
    with statements(METHOD_CHOICE):
        client.post(reverse("reset:verify"), {"method": "authenticator"})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
@pytest.mark.parametrize(("method", "data"), [
    ("sms", {"destination": PHONE}), ("email", {"destination": ALT_EMAIL}),
    ("authenticator", {"code": "123456"}),
])
def test_gate_post(started, user_id, method, data, statements):
    client = started(user_id)
    client.post(reverse("reset:verify"), {"method": method})
    url = reverse("reset:gate", kwargs={"method": method})
    with statements(GATE_POST):
        client.post(url, data)
    if "destination" in data:
        with statements(GATE_POST):
            client.post(url, {"code": "000000"})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_questions_gate_post(started, user_id, statements):
    client = started(user_id)
    client.post(reverse("reset:verify"), {"method": "questions"})
    url = reverse("reset:gate", kwargs={"method": "questions"})
    fields = client.get(url).context_data["form"].fields
    with statements(GATE_POST):
        client.post(url, {name: "wrong" for name in fields})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
@pytest.mark.parametrize(("method", "data"), [
    ("sms", {"destination": PHONE}), ("authenticator", None),
])
def test_the_wrong_code_that_fails_the_gate(started, settings, user_id, method, data,
                                             statements):
    client = started(user_id)
    client.post(reverse("reset:verify"), {"method": method})
    url = reverse("reset:gate", kwargs={"method": method})
    if data:
        client.post(url, data)
    for _ in range(settings.SSPR_CODE_MAX_TRIES - 1):
        client.post(url, {"code": "000000"})
    with statements(GATE_POST):
        assert client.post(url, {"code": "000000"})["Location"] == reverse("reset:verify")
