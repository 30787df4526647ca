"""Every page a person or an administrator meets, checked as an outsider would check it.

Each page, in English and Swedish: zero axe-core violations (WCAG 2.1 A and AA), no
sideways scrolling at 390 px (the document is exactly as wide as the viewport), and zero
errors from the Nu HTML checker. Screenshots at 1280 and 390 px land in var/screenshots/.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.models import ResetPolicy
from reset.captcha import challenge_text
from tests.admin_session import admin_login
from tests.factories import PASSWORD, UserFactory
from tests.reset.conftest import ALT_EMAIL, app_code, known_answers, register_everything
from verification.management.commands.demo_data import lock_out

from .checkers import axe_violations, vnu_errors
from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW = "Orchid-Tundra-Piano-48"
PHONE_WIDTH = 390
WORDS = {
    "en": {"captcha": "Type the characters", "user_id": "User ID", "next": "Next",
           "verify": "Verify", "email": "Email", "questions": "security questions",
           "code": "Verification code", "send": "Send", "reset": "Reset password",
           "give_up": "I can't use any of these", "contact": "Ask", "sign_in": "Sign in"},
    "sv": {"captcha": "Skriv tecknen", "user_id": "Användar-ID", "next": "Nästa",
           "verify": "Verifiera", "email": "E-post", "questions": "säkerhetsfrågor",
           "code": "Verifieringskod", "send": "Skicka", "reset": "Återställ lösenord",
           "give_up": "Jag kan inte använda", "contact": "Be", "sign_in": "Logga in"},
}


class Inspector:
    """Look at the page in the browser now: axe, width at 390 px, screenshots, HTML kept."""

    def __init__(self, page, language, folder):
        self.page, self.language, self.folder = page, language, folder
        self.problems: list[str] = []
        self.html_files = []

    def __call__(self, name: str, *, html: bool = True) -> None:
        page = self.page
        page.wait_for_load_state("load")
        label = f"{name}-{self.language}"
        if html:  # before axe is put into the page
            path = self.folder / f"{label}.html"
            path.write_text(page.content(), encoding="utf-8")
            self.html_files.append(path)
        self.problems += [f"{label}: axe {v}" for v in axe_violations(page)]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"page-{label}.png", full_page=True)
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
        widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        if widths[0] > widths[1]:
            self.problems.append(f"{label}: {widths[0]} px wide in a {widths[1]} px viewport")
        self.problems += [f"{label} at 390 px: axe {v}" for v in axe_violations(page)]
        page.screenshot(path=SCREENSHOTS / f"page-{label}-390.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 860})


@pytest.fixture(params=["en", "sv"])
def inspect(request, browser, live_server, tmp_path):
    language = request.param
    context = browser.new_context(locale={"en": "en-GB", "sv": "sv-SE"}[language],
                                  viewport={"width": 1280, "height": 860},
                                  # axe is put into the page by the test; the CSP rightly
                                  # refuses any script the server did not send.
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    inspector = Inspector(page, language, tmp_path)
    yield inspector
    context.close()


def go(page, path: str):
    page.goto(page.base_url + path)


def solve_captcha(page, words):
    key = page.locator("input[name=captcha_0]").input_value()
    page.get_by_label(words["captcha"]).fill(challenge_text(key))


def sign_in(page, context_client_user):
    """Sign the browser in as `user` through a session made by Django's test client."""
    client = Client()
    if context_client_user.is_staff:
        admin_login(client, context_client_user)  # the admin needs a verified second factor
    else:
        client.force_login(context_client_user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": page.base_url}])


def walk_the_wizard(inspect, words):
    page = inspect.page
    go(page, "/")
    inspect("home")
    go(page, "/reset/")
    inspect("identify")
    page.get_by_role("button", name=words["next"]).click()
    inspect("identify-errors")
    page.get_by_label(words["user_id"]).fill("hanna")
    solve_captcha(page, words)
    page.get_by_role("button", name=words["next"]).click()
    inspect("verify")

    page.locator("input[value=email]").check()
    page.get_by_role("button", name=words["next"]).click()
    inspect("gate-email")
    page.locator("input[name=destination]").fill(ALT_EMAIL)
    page.locator("form:has(input[name=destination]) button[type=submit]").first.click()
    inspect("gate-email-code")
    from tests.reset.conftest import last_code

    page.locator("input[name=code]").fill(last_code(ALT_EMAIL))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    if "/verify/" in page.url and page.locator("input[value=questions]").count():
        page.locator("input[value=questions]").check()
        page.get_by_role("button", name=words["next"]).click()
        inspect("gate-questions")
        answers = known_answers()
        for box in page.locator("form input[type=text]").all():
            label = page.locator(f"label[for={box.get_attribute('id')}]").inner_text()
            box.fill(answers.get(label.rstrip(":"), "no idea"))
        page.locator("main form button[type=submit]").first.click()
    expect(page.locator("input[name=new_password1]")).to_be_visible()
    inspect("new-password")
    page.locator("input[name=new_password1]").fill("hanna")
    page.locator("input[name=new_password2]").fill("hanna")
    page.locator("main form button[type=submit]").first.click()
    inspect("new-password-errors")
    page.locator("input[name=new_password1]").fill(NEW)
    page.locator("input[name=new_password2]").fill(NEW)
    page.locator("main form button[type=submit]").first.click()
    inspect("done")
    page.reload()
    inspect("done-reloaded", html=False)


def walk_a_dead_end(inspect, words):
    page = inspect.page
    go(page, "/reset/")
    page.get_by_label(words["user_id"]).fill("nobody-here")
    solve_captcha(page, words)
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_role("button", name=re.compile(words["give_up"])).click()
    inspect("outcome")
    page.locator("form[action$='/contact/'] button").click()
    inspect("helpdesk-contacted")
    go(page, "/account/set-password/MQ/not-a-token/")
    inspect("set-password-invalid")
    go(page, "/sign-in/")
    inspect("sign-in")
    page.get_by_role("button", name=words["sign_in"]).click()
    inspect("sign-in-errors")


def walk_the_account(inspect, user):
    page = inspect.page
    sign_in(page, user)
    for name, path in [("account", "/account/"), ("password-change", "/account/password/"),
                       ("reauthenticate", "/account/confirm-password/"), ("setup", "/setup/")]:
        go(page, path)
        inspect(name)
    # Changing methods needs the password typed again.
    go(page, "/account/confirm-password/?next=/setup/")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    for name, path in [("setup-phone", "/setup/phone/"), ("setup-email", "/setup/email/"),
                       ("setup-authenticator", "/setup/authenticator/"),
                       ("setup-questions", "/setup/questions/")]:
        go(page, path)
        inspect(name)


def walk_the_admin(inspect, admin, user):
    page = inspect.page
    sign_in(page, admin)
    for name, path in [
        ("admin-users", "/admin/accounts/user/"),
        ("admin-lockouts", "/admin/accounts/signinlockout/"),
        ("admin-user-reset", f"/admin/accounts/user/{user.pk}/reset-password/"),
        ("admin-audit", "/admin/accounts/auditevent/"),
        ("admin-insights", "/admin/accounts/auditevent/insights/"),
        ("admin-password-policy", "/admin/accounts/passwordpolicy/"),
        ("admin-reset-policy", "/admin/accounts/resetpolicy/"),
    ]:
        go(page, path)
        inspect(name, html=False)
        if name == "admin-users":
            # The key columns in view at 1280 px: the list does not scroll sideways.
            inside = page.evaluate("() => { const r = document.querySelector('.results');"
                                   " return r.scrollWidth <= r.clientWidth; }")
            if not inside:
                inspect.problems.append("admin-users: the list scrolls sideways at 1280 px")


def test_every_page_passes_axe_fits_a_phone_and_is_valid_html(inspect):
    words = WORDS[inspect.language]
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    register_everything(UserFactory(username="hanna", email="hanna@example.org"))
    olle = UserFactory(username="olle", email="olle@example.org", display_name="Olle Ek")
    ada = UserFactory(username="ada", is_staff=True, is_superuser=True)
    assert app_code  # the authenticator's code, should the policy ask for it

    walk_the_wizard(inspect, words)
    walk_a_dead_end(inspect, words)
    walk_the_account(inspect, olle)
    lock_out(olle)  # someone on the Lockouts page
    walk_the_admin(inspect, ada, olle)

    problems = inspect.problems + vnu_errors(inspect.html_files)
    assert not problems, "\n".join(problems)


@pytest.fixture
def page_en(browser, live_server):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    yield page
    context.close()


def test_a_new_picture_comes_without_a_reload_and_keeps_the_typed_id(page_en):
    page = page_en
    go(page, "/reset/")
    page.evaluate("() => { window.sameDocument = true; }")
    page.get_by_label("User ID").fill("hanna")
    old_key = page.locator("input[name=captcha_0]").input_value()
    old_image = page.locator(".captcha__image").get_attribute("src")
    expect(page.locator("audio.captcha__audio")).to_have_attribute("controls", "")

    page.get_by_role("link", name="Show a new picture").click()

    expect(page.locator("input[name=captcha_0]")).not_to_have_value(old_key)
    assert page.evaluate("() => window.sameDocument === true")  # no reload happened
    assert page.get_by_label("User ID").input_value() == "hanna"
    new_key = page.locator("input[name=captcha_0]").input_value()
    assert page.locator(".captcha__image").get_attribute("src") != old_image
    assert new_key in page.locator(".captcha__image").get_attribute("src")
    assert new_key in page.locator("audio.captcha__audio").get_attribute("src")
    expect(page.get_by_label("Type the characters you see in the picture")).to_be_focused()
    page.get_by_label("Type the characters you see in the picture").fill(
        challenge_text(new_key))
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile("/reset/(verify|outcome)/"))


def test_a_refused_password_is_shown_under_the_new_password_and_stays_typed(page_en):
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    user = UserFactory(username="lena")
    page = page_en
    sign_in(page, user)
    go(page, "/account/password/")
    expect(page.locator(".meter")).to_be_hidden()
    expect(page.locator("[data-rule].is-met, [data-rule].is-unmet")).to_have_count(0)
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password:", exact=True).fill("lena-lena-lena")
    page.get_by_label("New password confirmation").fill("lena-lena-lena")
    page.get_by_role("button", name="Change password").click()

    new = page.get_by_label("New password:", exact=True)
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("New password confirmation")).not_to_have_attribute(
        "aria-invalid", "true")
    expect(new).to_have_value("lena-lena-lena")
    expect(page.locator(".field:has([name=new_password1]) .errorlist")).to_be_visible()
    expect(page.locator("[data-rule=personal]")).to_have_class("is-unmet")
