"""A CAPTCHA answer counts once, and only in the browser the picture was shown to."""

from http import HTTPStatus

import pytest
from captcha.models import CaptchaStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reset.models import ResetAttempt

from .conftest import solve_captcha

pytestmark = pytest.mark.django_db


def start(client, answer):
    return client.post(reverse("reset:identify"), {"username": "hanna", "mode": "reset",
                                                   **answer})


def test_a_challenge_solved_in_one_browser_is_refused_in_another():
    shown_here = solve_captcha(Client())
    response = start(Client(), shown_here)
    assert response.status_code == HTTPStatus.OK
    assert "captcha" in response.context["form"].errors
    assert not ResetAttempt.objects.exists()


def test_a_challenge_is_used_up_by_its_first_answer_even_in_its_own_browser(client):
    answer = solve_captcha(client)
    assert start(client, answer).status_code == HTTPStatus.FOUND
    again = start(client, answer)
    assert "captcha" in again.context["form"].errors
    assert ResetAttempt.objects.count() == 1


def test_a_refreshed_picture_is_bound_to_the_browser_too(client):
    client.get(reverse("reset:identify"))
    fresh = client.get(reverse("captcha-refresh"), headers={"x-requested-with": "XMLHttpRequest"})
    key = fresh.json()["key"]
    answer = {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}
    assert "captcha" in start(Client(), answer).context["form"].errors
    answer = {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response} \
        if CaptchaStore.objects.filter(hashkey=key).exists() else None
    assert answer is None  # the other browser's try used it up


def test_starting_sweeps_no_expired_challenges(client):
    answer = solve_captcha(client)
    with CaptureQueriesContext(connection) as queries:
        start(client, answer)
    sweeps = [q["sql"] for q in queries if q["sql"].startswith("DELETE")
              and "captcha_captchastore" in q["sql"] and "expiration\" <=" in q["sql"]]
    assert sweeps == []
