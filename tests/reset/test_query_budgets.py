"""The wizard's query budgets: identify ≤ 8, the method page ≤ 3, a gate POST ≤ 8.

Query counts are deterministic, so they are held here; time is the benchmark's business.
Work queued on commit runs in the worker, not in the request, and is not counted.
"""

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import ALT_EMAIL, PHONE, solve_captcha

pytestmark = pytest.mark.django_db

IDENTIFY, METHOD_PAGE, GATE_POST = 8, 3, 8


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
def test_identify(registered, user_id, django_assert_max_num_queries):
    client = Client()
    answer = solve_captcha(client)
    with django_assert_max_num_queries(IDENTIFY):
        client.post(reverse("reset:identify"), {"username": user_id, "mode": "reset", **answer})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_method_page(started, user_id, django_assert_max_num_queries):
    client = started(user_id)
    with django_assert_max_num_queries(METHOD_PAGE):
        client.get(reverse("reset:verify"))


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
@pytest.mark.parametrize(("method", "data"), [
    ("sms", {"destination": PHONE}), ("email", {"destination": ALT_EMAIL}),
    ("authenticator", {"code": "123456"}),
])
def test_gate_post(started, user_id, method, data, django_assert_max_num_queries):
    client = started(user_id)
    client.post(reverse("reset:verify"), {"method": method})
    url = reverse("reset:gate", kwargs={"method": method})
    with django_assert_max_num_queries(GATE_POST):
        client.post(url, data)
    if "destination" in data:
        with django_assert_max_num_queries(GATE_POST):
            client.post(url, {"code": "000000"})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_questions_gate_post(started, user_id, django_assert_max_num_queries):
    client = started(user_id)
    client.post(reverse("reset:verify"), {"method": "questions"})
    url = reverse("reset:gate", kwargs={"method": "questions"})
    fields = client.get(url).context["form"].fields
    with django_assert_max_num_queries(GATE_POST):
        client.post(url, {name: "wrong" for name in fields})
