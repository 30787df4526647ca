"""The sign-in lockout of SPEC 6.1 holds for its whole time, whatever other accounts do."""

from datetime import timedelta
from html import unescape
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import is_locked_out
from accounts.models import SignInLockout
from accounts.tasks import sweep_sign_in_lockouts
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "Wrong-password-000"
HOUR_LONG_STREAK = [60, 120, 240, 480, 960, 1920, 3600]


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("accounts:sign-in"), {"username": username, "password": password})


def fail_times(client, username, times):
    for _ in range(times):
        sign_in(client, username, WRONG)


def lock_for_an_hour(client, clock, username):
    """Run `username` through the doubling lockouts up to the one-hour cap."""
    for seconds in HOUR_LONG_STREAK[:-1]:
        fail_times(client, username, 10)
        clock.shift(timedelta(seconds=seconds + 1))
    fail_times(client, username, 10)


def test_other_accounts_signing_in_never_shorten_a_lockout(client):
    carol, alice = UserFactory(username="carol"), UserFactory(username="alice")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lock_for_an_hour(client, clock, "carol")
        for _ in range(3):
            clock.shift(timedelta(seconds=75))
            fail_times(client, "alice", 1)
            assert sign_in(client, "alice").status_code == HTTPStatus.FOUND
            client.post(reverse("accounts:sign-out"))
            fail_times(client, "nobody-at-all", 2)
            assert is_locked_out(carol)
        clock.shift(timedelta(seconds=3600 - 3 * 75 - 1))
        assert sign_in(client, "carol").status_code == HTTPStatus.OK
        assert is_locked_out(carol)
        clock.shift(timedelta(seconds=2))
        assert not is_locked_out(carol)
        assert not is_locked_out(alice)
        assert sign_in(client, "carol").status_code == HTTPStatus.FOUND


def test_interleaved_failures_of_two_accounts_lock_each_on_its_own_count(client):
    carol, alice = UserFactory(username="carol"), UserFactory(username="alice")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(9):
            fail_times(client, "carol", 1)
            fail_times(client, "alice", 1)
            clock.shift(timedelta(seconds=5))
        assert not is_locked_out(carol)
        assert not is_locked_out(alice)
        fail_times(client, "carol", 1)
        assert is_locked_out(carol)
        assert not is_locked_out(alice)
        assert sign_in(client, "alice").status_code == HTTPStatus.FOUND
        clock.shift(timedelta(seconds=59))
        assert is_locked_out(carol)


def test_the_right_password_for_a_locked_account_hears_it_is_locked_and_how_to_unlock(client):
    UserFactory(username="carol")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_times(client, "carol", 10)
        clock.shift(timedelta(seconds=15))
        response = sign_in(client, "carol")
    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session
    assert "your account is locked" in response.content.decode()
    assert "about 1 minute," in response.content.decode()
    assert f'href="{reverse("reset:identify")}?mode=unlock"' in response.content.decode()


@pytest.mark.parametrize("typed", ["carol", "nobody-here"])
def test_a_wrong_password_for_a_locked_account_reads_like_any_wrong_password(client, typed):
    UserFactory(username="carol")
    fail_times(client, typed, 10)
    response = sign_in(client, typed, WRONG)
    assert "don't match" in unescape(response.content.decode())
    assert "locked" not in response.content.decode()
    assert "mode=unlock" not in response.content.decode()


def test_the_locked_message_is_in_swedish_too(client):
    UserFactory(username="carol")
    fail_times(client, "carol", 10)
    response = client.post(reverse("accounts:sign-in"), {"username": "carol",
                                                         "password": PASSWORD},
                           HTTP_ACCEPT_LANGUAGE="sv")
    assert "ditt konto är låst" in response.content.decode()


def test_the_unlock_link_opens_the_wizard_with_unlock_chosen(client):
    response = client.get(reverse("reset:identify") + "?mode=unlock")
    assert response.context_data["form"]["mode"].value() == "unlock"
    response = client.get(reverse("reset:identify") + "?mode=%00nonsense")
    assert response.status_code == HTTPStatus.OK
    assert response.context_data["form"]["mode"].value() == "reset"


def test_guessing_during_a_lockout_is_held_to_ten_tries_per_lockout(client, settings):
    """The right password is told apart while locked, so wrong ones must keep counting."""
    settings.SSPR_SIGN_IN_IP_RATE = "1000/m"
    carol = UserFactory(username="carol")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_times(client, "carol", 10)  # the first lockout: 60 s
        clock.shift(timedelta(seconds=10))
        fail_times(client, "carol", 9)
        clock.shift(timedelta(seconds=51))
        assert not is_locked_out(carol), "a few retries while locked must not extend it"
        fail_times(client, "carol", 1)  # the tenth since the lockout: the second, 120 s
        assert is_locked_out(carol)
        clock.shift(timedelta(seconds=30))
        fail_times(client, "carol", 10)  # ten more while locked: the third, 240 s from now
        clock.shift(timedelta(seconds=239))
        assert is_locked_out(carol)
        clock.shift(timedelta(seconds=2))
        assert not is_locked_out(carol)


def test_the_sweep_forgets_only_rows_that_no_longer_count(client, settings):
    settings.SSPR_SIGN_IN_IP_RATE = "1000/m"
    carol = UserFactory(username="carol")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_times(client, "sprayed-id", 3)
        clock.shift(timedelta(hours=2))
        fail_times(client, "yesterdays-typo", 1)
        clock.shift(timedelta(days=1) - timedelta(hours=2) + timedelta(minutes=1))
        lock_for_an_hour(client, clock, "carol")

        assert sweep_sign_in_lockouts() == 1

        assert set(SignInLockout.objects.values_list("key", flat=True)) == {
            "carol", "yesterdays-typo"}
        assert is_locked_out(carol)
