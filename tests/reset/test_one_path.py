"""One code path for every ID: what an outsider can observe is the same at every step.

Each ID class walks the whole wizard as an attacker would, typing the real person's own
phone number and address at the code gates. At every step the status, the page (without
its tokens and the question texts, which are data), the headers, the cookies set and the
number of SQL queries must be the same as for the real, eligible person (SPEC 2.2, 8.1).
"""

import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from verification.services.status import PHONE_BUDGET_CACHE_KEY

from .conftest import ALT_EMAIL, PHONE, register_everything, solve_captcha

pytestmark = pytest.mark.django_db

ID_CLASSES = ["real", "nobody-by-that-name", "inactive", "notenabled", "unregistered",
              "elsewhere", "boss"]


@pytest.fixture
def ids(policy):
    """One ID of each class; every one of them but the stranger has registered everything."""
    group = Group.objects.create(name="sspr")
    members = [register_everything(UserFactory(username="real")),
               register_everything(UserFactory(username="inactive", is_active=False)),
               register_everything(UserFactory(username="elsewhere",
                                               password_managed_elsewhere=True)),
               register_everything(UserFactory(username="boss", is_staff=True)),
               UserFactory(username="unregistered")]
    register_everything(UserFactory(username="notenabled"))
    group.user_set.add(*members)
    policy.enabled_for = policy.EnabledFor.GROUP
    policy.enabled_group = group
    policy.questions_may_be_only_gate = True
    policy.save()
    return ID_CLASSES


def without_tokens(html: str) -> str:
    """The page without what differs by design: tokens, captcha keys, support codes."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"[0-9a-f]{40}", "KEY", html)
    return re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}", "CODE", html)


def without_questions(html: str) -> str:
    return re.sub(r"(<label for=\"id_q)\d+(\">)[^<]*", r"\1N\2", re.sub(r"q\d+", "qN", html))


def observe(client, method: str, url: str, data=None) -> tuple:
    """Everything an outsider sees of one request, and the queries it made.

    Work queued on commit (the code a worker sends) runs after the request, as it does in
    production, and is not counted as the request's. The phone budget's cached state is
    dropped first: Redis expires it on its own clock, which the frozen one does not stop, so
    on a slow machine it lapsed at a different step of each walk (one query more there).
    """
    cache.delete(PHONE_BUDGET_CACHE_KEY)
    with CaptureQueriesContext(connection) as queries, \
            TestCase.captureOnCommitCallbacks() as queued:
        response = getattr(client, method)(url, data or {})
    for callback in queued:
        callback()
    body = without_questions(without_tokens(response.content.decode()))
    # The clock's time is not the ID's: Expires is compared by name only.
    headers = sorted((k, "" if k == "Expires" else v) for k, v in response.items()
                     if k != "Content-Length")
    cookies = sorted((name, morsel["path"], morsel["samesite"], morsel["httponly"],
                      morsel["secure"], morsel["max-age"]) for name, morsel in
                     response.cookies.items())
    return response.status_code, body, headers, cookies, len(queries)


def walk(user_id: str) -> list[tuple]:
    """Every step of the wizard, as someone who knows the ID and the person's destinations."""
    cache.clear()  # the rate limits' counters start alike
    client = Client()
    gate = lambda method: reverse("reset:gate", kwargs={"method": method})  # noqa: E731
    steps = [observe(client, "get", reverse("reset:identify"))]
    steps.append(observe(client, "post", reverse("reset:identify"),
                         {"username": user_id, "mode": "reset", **solve_captcha(client)}))
    steps.append(observe(client, "get", reverse("reset:verify")))
    for method, destination in [("sms", PHONE), ("email", ALT_EMAIL)]:
        steps.append(observe(client, "post", reverse("reset:verify"), {"method": method}))
        steps.append(observe(client, "get", gate(method)))
        steps.append(observe(client, "post", gate(method), {"destination": destination}))
        steps.append(observe(client, "get", gate(method)))
        steps.append(observe(client, "post", gate(method), {"code": "000000"}))
        steps.append(observe(client, "post", gate(method), {"resend": "1"}))
        steps.append(observe(client, "get", gate(method)))
    steps.append(observe(client, "post", reverse("reset:verify"), {"method": "authenticator"}))
    steps.append(observe(client, "post", gate("authenticator"), {"code": "123456"}))
    steps.append(observe(client, "post", reverse("reset:verify"), {"method": "questions"}))
    questions = client.get(gate("questions")).context_data["form"].fields
    steps.append(observe(client, "get", gate("questions")))
    steps.append(observe(client, "post", gate("questions"),
                         {name: "Malmö" for name in questions}))
    steps.append(observe(client, "get", reverse("reset:verify")))
    steps.append(observe(client, "post", reverse("reset:give-up")))
    steps.append(observe(client, "get", reverse("reset:outcome")))
    steps.append(observe(client, "post", reverse("reset:contact")))
    return steps


@pytest.mark.parametrize("user_id", ID_CLASSES[1:])
def test_every_step_looks_and_costs_the_same_as_for_the_real_person(ids, user_id):
    # Both walks at the same instant, so that a wait shown in seconds is the same too.
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        real = walk("real")
    with time_machine.travel(start, tick=False):
        other = walk(user_id)
    for number, (seen_real, seen_other) in enumerate(zip(real, other, strict=True)):
        assert seen_other == seen_real, f"step {number} tells {user_id!r} from a real ID"
