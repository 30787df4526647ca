"""A person registers every method in Chromium, reading codes from the development outbox."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.factories import PASSWORD, UserFactory
from verification.models import ContactMethod, SecurityAnswer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def button(action: str, method: str) -> re.Pattern:
    """A link's accessible name: its visible action and the hidden name of the method."""
    return re.compile(rf"^{action}\W+{method}$")


def code_from_outbox(page, to: str) -> str:
    """Open the outbox page in a second tab and read the newest code sent to `to`."""
    outbox = page.context.new_page()
    outbox.goto(page.base_url + "/dev/outbox/")
    entry = outbox.locator(".outbox__entry", has_text=to).first.inner_text()
    outbox.close()
    return re.search(r"\b\d{6}\b", entry).group(0)


def test_registering_phone_email_authenticator_and_questions(page, screenshot):
    user = UserFactory(username="dana", email="dana@example.org")
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("User ID or email").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Not registered: sent to /setup/ once, with a way to skip.
    page.wait_for_url(re.compile(r"/setup/\?"))
    assert page.get_by_text("Finish setting up account recovery.").is_visible()
    screenshot("setup-reminder-en")

    page.get_by_role("link", name=button("Set up", "Authentication phone")).click()
    page.get_by_label("Phone number").fill("070 174 06 70")
    page.get_by_label("Text me a code").check()
    screenshot("setup-phone-en")
    page.get_by_role("button", name="Send code").click()
    page.wait_for_url(re.compile(r"/setup/phone/verify/$"))
    page.get_by_label("Code").fill(code_from_outbox(page, "+46701740670"))
    screenshot("setup-phone-verify-en")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/setup/$"))
    assert page.get_by_text("Verified. It now counts as one of your methods.").is_visible()

    page.get_by_role("link", name=button("Set up", "Authentication email")).click()
    page.get_by_label("Email address").fill("dana.home@example.net")
    page.get_by_role("button", name="Send code").click()
    page.get_by_label("Code").fill(code_from_outbox(page, "dana.home@example.net"))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/setup/$"))

    page.get_by_role("link", name=button("Set up", "Authenticator app")).click()
    page.wait_for_load_state("load")  # images included
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(f"{totp(b32decode(secret)):06d}")
    screenshot("setup-authenticator-en")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/setup/$"))

    page.get_by_role("link", name=button("Set up", "Security questions")).click()
    for number, answer in enumerate(["Smulan", "Gothenburg", "Allie"], start=1):
        group = page.get_by_role("group", name=f"Question {number}")
        group.get_by_label("Question").select_option(index=number)
        group.get_by_label("Your answer").fill(answer)
    screenshot("setup-questions-en")
    page.get_by_role("button", name="Save answers").click()
    page.wait_for_url(re.compile(r"/setup/$"))

    # Under the default policy answers never make the only gate, so they are kept but not
    # counted, and the page says so rather than calling them verified.
    assert page.locator(".method .badge--ok").count() == 3
    assert page.get_by_text("Saved", exact=True).is_visible()
    assert page.get_by_text("Ready", exact=True).is_visible()
    screenshot("setup-en")
    page.get_by_role("button", name="Svenska").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Säkerhetsinformation"
    screenshot("setup-sv")
    page.get_by_role("link", name=button("Ändra", "Telefon för autentisering")).click()
    screenshot("setup-phone-sv")
    page.goto(page.base_url + "/setup/questions/")
    screenshot("setup-questions-sv")

    assert set(ContactMethod.objects.filter(user=user).values_list("kind", flat=True)) == {
        "phone", "email"}
    assert SecurityAnswer.objects.filter(user=user).count() == 3
