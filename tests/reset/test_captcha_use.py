"""A CAPTCHA answer counts once, and only in the browser the picture was shown to."""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from reset.captcha import challenge_text
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
    assert "captcha" in response.context_data["form"].errors
    assert not ResetAttempt.objects.exists()


def test_a_challenge_is_used_up_by_its_first_answer_even_in_its_own_browser(client):
    answer = solve_captcha(client)
    assert start(client, answer).status_code == HTTPStatus.FOUND
    again = start(client, answer)
    assert "captcha" in again.context_data["form"].errors
    assert ResetAttempt.objects.count() == 1


def test_a_refreshed_picture_is_bound_to_the_browser_too(client):
    client.get(reverse("reset:identify"))
    fresh = client.get(reverse("captcha-refresh"), headers={"x-requested-with": "XMLHttpRequest"})
    key = fresh.json()["key"]
    answer = {"captcha_0": key, "captcha_1": challenge_text(key)}
    assert "captcha" in start(Client(), answer).context_data["form"].errors
    assert challenge_text(key) is None  # the other browser's try used it up


def test_showing_a_challenge_and_its_picture_touches_no_table(client,
                                                              django_assert_num_queries):
    with django_assert_num_queries(0):
        html = client.get(reverse("reset:identify")).content.decode()
        key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
        picture = client.get(reverse("captcha-image", kwargs={"key": key}))
    assert picture.status_code == HTTPStatus.OK
    assert picture["Content-Type"] == "image/png"


def test_a_challenge_of_no_known_key_is_gone(client):
    gone = client.get(reverse("captcha-image", kwargs={"key": "0" * 40}))
    assert gone.status_code == HTTPStatus.GONE
