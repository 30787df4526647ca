"""Parallel requests against PostgreSQL's row lock: the try limit holds, one success only."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from sspr.celery import app as celery_app
from tests.factories import UserFactory
from tests.verification.helpers import last_code
from verification import services
from verification.codes import Result
from verification.models import VerificationCode

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = "+46701740660"


@pytest.fixture
def code(postgres):
    """A code sent to a new user, read from the development outbox."""
    saved, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
    try:
        user = UserFactory()
        services.send_code(user=user, purpose="reset", channel="sms", destination=PHONE,
                           reset_attempt="attempt-1")
    finally:
        celery_app.conf.task_always_eager = saved
    return user, last_code(PHONE)


def in_parallel(count: int, typed: str, user) -> list[Result]:
    """Type `typed` from `count` threads at the same instant, each on its own connection."""
    start = threading.Barrier(count)

    def attempt(_):
        try:
            start.wait()
            return services.verify_code(user=user, purpose="reset", kind="phone", code=typed,
                                        reset_attempt="attempt-1").result
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_twenty_parallel_wrong_guesses_get_exactly_five_checks(code):
    user, right = code
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    results = in_parallel(20, wrong, user)

    assert results.count(Result.WRONG) == 5
    assert results.count(Result.DEAD) == 15
    assert VerificationCode.objects.get().failed_tries == 5
    assert services.verify_code(user=user, purpose="reset", kind="phone", code=right,
                                reset_attempt="attempt-1").result is Result.DEAD


def test_ten_parallel_right_answers_succeed_exactly_once(code):
    user, right = code

    results = in_parallel(10, right, user)

    assert results.count(Result.ACCEPTED) == 1
    assert results.count(Result.DEAD) == 9
    row = VerificationCode.objects.get()
    assert row.used_at is not None
    assert row.failed_tries == 0
