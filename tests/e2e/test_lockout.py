"""A locked account stays locked for its whole time while other people sign in around it."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WRONG = "Wrong-password-000"
STREAK = [60, 120, 240, 480, 960, 1920]  # then the seventh lockout: the one-hour cap


def sign_in(page, username, password, *, swedish=False):
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("Användar-ID eller e-post" if swedish else "User ID or email").fill(username)
    page.get_by_label("Lösenord" if swedish else "Password").fill(password)
    page.get_by_role("button", name="Logga in" if swedish else "Sign in").click()


def fail(client, username, times=10):
    for _ in range(times):
        client.post(reverse("accounts:sign-in"), {"username": username, "password": WRONG})


@pytest.fixture
def people(browser, live_server):
    """A browser of their own for each person: separate cookies, as on separate computers."""
    contexts = []

    def open_page(locale="en-GB", width=1280):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 860})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.base_url = live_server.url
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_an_hour_long_lockout_outlasts_everyone_elses_sign_ins(people):
    UserFactory(username="carol")
    others = [UserFactory(username=name) for name in ("alice", "bob", "dave")]
    carol_page = people()
    pages = {user.username: people() for user in others}
    with time_machine.travel(timezone.now(), tick=True) as clock:
        attacker = Client()
        for seconds in STREAK:
            fail(attacker, "carol")
            clock.shift(timedelta(seconds=seconds + 1))
        locked_at = timezone.now()
        fail(attacker, "carol")  # the seventh lockout: 3600 s from here

        for offset in (75, 600, 1800, 3590):
            clock.move_to(locked_at + timedelta(seconds=offset))
            for name, page in pages.items():
                sign_in(page, name, WRONG)
                expect(page.get_by_role("alert")).to_contain_text("don't match")
                sign_in(page, name, PASSWORD)
                expect(page).not_to_have_url(page.base_url + "/sign-in/")
                page.get_by_role("button", name="Sign out").click()
            sign_in(carol_page, "carol", PASSWORD)
            expect(carol_page.get_by_role("alert")).to_contain_text("your account is locked")

        clock.move_to(locked_at + timedelta(seconds=3601))
        sign_in(carol_page, "carol", PASSWORD)
        expect(carol_page.get_by_role("link", name="Skip for now")).to_be_visible()


@pytest.mark.parametrize(("locale", "width", "swedish"), [
    ("en-GB", 1280, False), ("sv-SE", 1280, True), ("en-GB", 390, False), ("sv-SE", 390, True),
])
def test_the_locked_message_and_its_unlock_link(people, locale, width, swedish):
    UserFactory(username="carol")
    fail(Client(), "carol")
    page = people(locale=locale, width=width)

    sign_in(page, "carol", PASSWORD, swedish=swedish)

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("ditt konto är låst" if swedish else "your account is locked")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"sign-in-locked-{locale[:2]}-{width}.png", full_page=True)
    page.get_by_role("link", name="Lås upp mitt konto" if swedish else "Unlock my account").click()
    expect(page.get_by_label("Jag kan mitt lösenord men kan ändå inte logga in" if swedish
                             else "I know my password but still can't sign in")).to_be_checked()
