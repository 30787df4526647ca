import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW = "Orchid-Tundra-Piano-48"


def sign_in(page, username, password):
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("User ID or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_change_the_password_and_sign_in_with_the_new_one(page, screenshot):
    UserFactory(username="frida", email="frida@example.org", display_name="Frida Falk")
    page.goto(page.base_url + "/sign-in/")
    screenshot("sign-in-en")

    sign_in(page, "frida", PASSWORD)
    # Nothing registered yet: the portal asks first, and the person may skip.
    expect(page.get_by_role("heading", level=1)).to_have_text("Security info")
    page.get_by_role("link", name="Skip for now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    screenshot("account-en")

    page.get_by_role("link", name="Change password").first.click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password:", exact=True).fill("frida")
    expect(page.locator("[data-rule=length]")).to_have_class("is-unmet")
    page.get_by_label("New password:", exact=True).fill(NEW)
    expect(page.locator("[data-rule=length]")).to_have_class("is-met")
    expect(page.locator(".meter__word")).to_have_text("Very strong")
    page.get_by_label("New password confirmation").fill(NEW)
    screenshot("password-change-en")
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("status")).to_contain_text("Your password was changed")
    sign_in(page, "frida", PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("don't match")
    sign_in(page, "frida", NEW)
    page.get_by_role("link", name="Skip for now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")


def test_the_account_pages_in_swedish(page, screenshot):
    UserFactory(username="gustav.lindqvist", language="sv")
    page.goto(page.base_url + "/")
    page.get_by_role("button", name="Svenska").click()
    page.goto(page.base_url + "/sign-in/")
    screenshot("sign-in-sv")
    page.get_by_label("Användar-ID eller e-post").fill("gustav.lindqvist")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.get_by_role("link", name="Hoppa över nu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitt konto")
    screenshot("account-sv")
    page.goto(page.base_url + "/account/password/")
    page.get_by_label("Nytt lösenord:", exact=True).fill("gustav.lindqvist1")
    expect(page.locator("[data-rule=personal]")).to_have_class("is-unmet")
    screenshot("password-change-sv")
