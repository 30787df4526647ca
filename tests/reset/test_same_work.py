"""Each gate does the same work for a real person and for an unknown ID, try after try.

Not only the same number of queries: the same statements in the same order (their values
aside), the same hashes of each kind, the same answer, while the tries go on past the
authenticator's throttle and the gate's limit of wrong tries (SPEC 8.1). Time itself is the
benchmark's business; this is what makes it the same by construction.
"""

import re
from collections import Counter

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models.signals import pre_init
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import oath

from verification import codes

from .conftest import PHONE, solve_captcha
from .test_one_path import without_questions, without_tokens

pytestmark = pytest.mark.django_db

# Past django-otp's throttle and SSPR_CODE_MAX_TRIES (5) at a code gate; to the block that
# SSPR_RESET_FAILED_GATES_PER_HOUR (5) failed gates bring at the questions.
TRIES = {"authenticator": 7, "sms": 7, "questions": 5}


@pytest.fixture(autouse=True)
def questions_allowed(policy):
    policy.questions_may_be_only_gate = True
    policy.save()


@pytest.fixture
def hashes(monkeypatch, argon2_operations) -> list[str]:
    """Every hash a request computes: Argon2 (answers), TOTP steps, code derivations."""
    def counted(name, original):
        def count(*args, **kwargs):
            argon2_operations.append(name)
            return original(*args, **kwargs)
        return count

    monkeypatch.setattr(oath, "hotp", counted("totp", oath.hotp))
    monkeypatch.setattr(codes, "salted_hmac", counted("code", codes.salted_hmac))
    return argon2_operations


def statement(sql: str) -> str:
    """A statement without its values: what it does, to which rows it does not say."""
    sql = re.sub(r"'(?:[^']|'')*'(::\w+)?", "?", re.sub(r'SAVEPOINT "\w+"', "SAVEPOINT", sql))
    return " ".join(re.sub(r"-?\b(\d+(\.\d+)?|NULL|true|false)\b", "?", sql).split())


def work(client, hashes, method: str, data: dict) -> tuple:
    """What one POST answers, and the statements and hashes it cost."""
    hashes.clear()
    with CaptureQueriesContext(connection) as queries, \
            TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("reset:gate", kwargs={"method": method}), data)
    body = without_questions(without_tokens(response.content.decode()))
    return ((response.status_code, response.get("Location"), body),
            "\n".join(statement(q["sql"]) for q in queries.captured_queries), list(hashes))


def choose(client, method: str) -> None:
    """Choose `method`; at a code gate, give the person's own number (a real person is sent
    a code; nobody else is)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("reset:verify"), {"method": method})
        if method == "sms":
            client.post(reverse("reset:gate", kwargs={"method": method}),
                        {"destination": PHONE})


def tries(user_id: str, method: str, data, hashes, start) -> list[tuple]:
    """TRIES[method] wrong tries at the gate of `method`, a second apart, from `start`."""
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        client.post(reverse("reset:identify"), {"username": user_id, "mode": "reset",
                                                **solve_captcha(client)})
        choose(client, method)
        seen = []
        for _ in range(TRIES[method]):
            clock.shift(1)
            seen.append(work(client, hashes, method, data(client)))
            if seen[-1][0][1] == reverse("reset:verify"):  # the gate failed: choose it again,
                clock.shift(settings.SSPR_CODE_RESEND_SECONDS)  # and have a code sent again
                choose(client, method)
        return seen


def wrong_answers(client) -> dict:
    response = client.get(reverse("reset:gate", kwargs={"method": "questions"}))
    return {name: "Wrong answer" for name in response.context_data["form"].fields}


@pytest.mark.parametrize(("method", "data"), [
    ("authenticator", lambda client: {"code": "000000"}),
    ("sms", lambda client: {"code": "000000"}),
    ("questions", wrong_answers),
])
def test_wrong_tries_cost_the_same_for_a_real_and_an_unknown_id(registered, hashes, method,
                                                                 data):
    start = timezone.now()
    real = tries("hanna", method, data, hashes, start)
    unknown = tries("ghost", method, data, hashes, start)
    for number, (seen_real, seen_unknown) in enumerate(zip(real, unknown, strict=True), 1):
        (answer, sql, hashed), (answer_unknown, sql_unknown, hashed_unknown) = (seen_real,
                                                                              seen_unknown)
        assert answer_unknown == answer, f"wrong try {number} at {method} is answered apart"
        assert sql_unknown == sql, f"wrong try {number} at {method} sends other statements"
        assert hashed_unknown == hashed, f"wrong try {number} at {method} hashes apart"
    assert all(hashed for _, _, hashed in real), "every wrong try is checked"


def objects_made(user_id: str) -> list[Counter]:
    """The model objects each wizard page makes, by class, from the method page to a gate."""
    client = Client()
    client.post(reverse("reset:identify"), {"username": user_id, "mode": "reset",
                                            **solve_captcha(client)})
    made = []

    def count(sender, **kwargs):
        made[-1][sender.__name__] += 1

    pages = [lambda: client.get(reverse("reset:verify")),
             lambda: client.post(reverse("reset:verify"), {"method": "authenticator"}),
             lambda: client.get(reverse("reset:gate", kwargs={"method": "authenticator"}))]
    pre_init.connect(count)
    try:
        for page in pages:
            made.append(Counter())
            page()
    finally:
        pre_init.disconnect(count)
    return made


def test_the_wizards_pages_make_the_same_objects_for_a_real_and_an_unknown_id(registered):
    """Reading an attempt makes its account's user for every ID, from the NULL columns of an
    unknown one too, so the time a page takes does not depend on whether one exists."""
    real, unknown = objects_made("hanna"), objects_made("ghost")
    assert real == unknown
    assert all(page["User"] for page in real)
