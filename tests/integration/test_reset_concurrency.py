"""Parallel requests against one attempt, on PostgreSQL with real row locks (SPEC 8.3)."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from reset.models import ResetAttempt
from tests.factories import UserFactory
from tests.reset.conftest import PHONE, identify, last_code, register_everything

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def in_parallel(count, submit):
    barrier = Barrier(count)

    def run(n):
        try:
            barrier.wait()
            return submit(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def started_sms_gate():
    user = register_everything(UserFactory(username="hanna"))
    client = Client()
    identify(client, "hanna")
    url = reverse("reset:gate", kwargs={"method": "sms"})
    client.post(reverse("reset:verify"), {"method": "sms"})
    client.post(url, {"destination": PHONE})
    return user, client, url


def test_twenty_parallel_wrong_guesses_never_get_more_than_five_tries(postgres):
    _, client, url = started_sms_gate()
    right = last_code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"

    in_parallel(20, lambda n: client.post(url, {"code": wrong}))

    attempt = ResetAttempt.objects.get()
    assert attempt.failed_gates == 1
    assert attempt.gates_passed == []
    rejected = AuditEvent.objects.filter(type=AuditEvent.Type.CODE_REJECTED).count()
    assert rejected <= 5


def test_ten_parallel_right_answers_pass_the_gate_exactly_once(postgres):
    _, client, url = started_sms_gate()
    code = last_code(PHONE)

    in_parallel(10, lambda n: client.post(url, {"code": code}))

    attempt = ResetAttempt.objects.get()
    assert attempt.gates_passed == ["sms"]
    assert attempt.step == "new_password"
    assert AuditEvent.objects.filter(type=AuditEvent.Type.GATE_PASSED).count() == 1


def test_ten_parallel_new_passwords_reset_once(postgres):
    from tests.reset.test_journeys import NEW

    user, client, url = started_sms_gate()
    client.post(url, {"code": last_code(PHONE)})

    in_parallel(10, lambda n: client.post(reverse("reset:new-password"),
                                          {"new_password1": NEW, "new_password2": NEW}))

    assert AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET).count() == 1
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_one_solved_captcha_sent_twenty_times_at_once_starts_one_attempt(postgres):
    from tests.reset.conftest import solve_captcha

    browser = Client()
    answer = solve_captcha(browser)
    cookies = browser.cookies

    def submit(n):
        twin = Client()
        twin.cookies = cookies  # the same browser, twenty tabs
        return twin.post(reverse("reset:identify"),
                         {"username": f"user{n}", "mode": "reset", **answer}).status_code

    statuses = in_parallel(20, submit)

    assert sorted(statuses) == [200] * 19 + [302]
    assert ResetAttempt.objects.count() == 1
