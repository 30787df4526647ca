"""The wizard in a real browser, reading codes from the development outbox page."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import ResetPolicy, User
from reset.captcha import challenge_text
from tests.factories import UserFactory
from tests.reset.conftest import PHONE, known_answers, register_everything
from verification.management.commands.demo_data import ALICE_PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW = "Orchid-Tundra-Piano-48"

TEXT = {
    "en": {"user_id": "User ID", "captcha": "Type the characters you see in the picture",
           "next": "Next", "sms": "Text my mobile phone", "phone": "Your phone number",
           "send": "Text me a code", "code": "Verification code", "verify": "Verify",
           "questions": "Answer my security questions", "new": "New password:",
           "confirm": "New password confirmation:", "reset": "Reset password",
           "done": "Your password has been reset"},
    "sv": {"user_id": "Användar-ID", "captcha": "Skriv tecknen som du ser på bilden",
           "next": "Nästa", "sms": "Sms:a min mobiltelefon", "phone": "Ditt telefonnummer",
           "send": "Sms:a mig en kod", "code": "Verifieringskod", "verify": "Verifiera",
           "questions": "Besvara mina säkerhetsfrågor", "new": "Nytt lösenord:",
           "confirm": "Bekräfta nytt lösenord:", "reset": "Återställ lösenord",
           "done": "Ditt lösenord har återställts"},
}


def start(page, language, screenshot, user_id="hanna"):
    words = TEXT[language]
    page.goto(page.base_url + "/")
    if language == "sv":
        page.get_by_role("button", name="Svenska").click()
    page.goto(page.base_url + "/reset/")
    page.get_by_label(words["user_id"]).fill(user_id)
    key = page.locator("input[name=captcha_0]").input_value()
    page.get_by_label(words["captcha"]).fill(challenge_text(key))
    screenshot(f"reset-identify-{language}")
    page.get_by_role("button", name=words["next"]).click()


def new_password(page, language, screenshot):
    words = TEXT[language]
    page.get_by_label(words["new"], exact=True).fill(NEW)
    page.get_by_label(words["confirm"]).fill(NEW)
    expect(page.locator("[data-rule=length]")).to_have_class("is-met")
    screenshot(f"reset-new-password-{language}")
    page.get_by_role("button", name=words["reset"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["done"])
    screenshot(f"reset-done-{language}")


@pytest.mark.parametrize("language", ["en", "sv"])
def test_reset_by_text_message_reading_the_code_from_the_outbox(page, screenshot, language):
    words = TEXT[language]
    user = register_everything(UserFactory(username="hanna", language=language))
    start(page, language, screenshot)
    page.get_by_label(words["sms"]).check()
    screenshot(f"reset-verify-{language}")
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_label(words["phone"]).fill("070-123 45 67")
    page.get_by_role("button", name=words["send"]).click()
    screenshot(f"reset-code-{language}")

    outbox = page.context.new_page()
    outbox.goto(page.base_url + "/dev/outbox/")
    text = outbox.locator(".outbox__entry--sms").first.inner_text()
    assert PHONE in text
    code = re.search(r"\b\d{6}\b", text).group()
    outbox.close()

    page.get_by_label(words["code"]).fill(code)
    page.get_by_role("button", name=words["verify"]).click()
    new_password(page, language, screenshot)
    user.refresh_from_db()
    assert user.check_password(NEW)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_reset_by_security_questions(page, screenshot, language):
    words = TEXT[language]
    policy = ResetPolicy.current()
    policy.questions_may_be_only_gate = True
    policy.save()
    register_everything(UserFactory(username="hanna", language=language))
    start(page, language, screenshot)
    page.get_by_label(words["questions"]).check()
    page.get_by_role("button", name=words["next"]).click()
    with translation.override(language):
        answers = known_answers()
    for field in page.locator("form input[type=text]").all():
        label = page.locator(f"label[for={field.get_attribute('id')}]").inner_text()
        field.fill(answers[label.rstrip(":")])
    screenshot(f"reset-questions-{language}")
    page.get_by_role("button", name=words["verify"]).click()
    new_password(page, language, screenshot)


def test_a_newcomer_resets_the_demo_users_password_with_the_outbox(page, screenshot):
    """What `make run` promises: alice's password reset in the browser, codes from /dev/outbox/."""
    call_command("demo_data", stdout=StringIO())
    start(page, "en", screenshot, user_id="alice")
    page.get_by_label(TEXT["en"]["sms"]).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Your phone number").fill(ALICE_PHONE)
    page.get_by_role("button", name="Text me a code").click()

    page.goto(page.base_url + "/dev/outbox/")
    screenshot("outbox-en")
    code = re.search(r"\b\d{6}\b", page.locator(".outbox__entry--sms").first.inner_text()).group()
    page.go_back()
    page.get_by_label("Verification code").fill(code)
    page.get_by_role("button", name="Verify").click()
    new_password(page, "en", screenshot)
    assert User.objects.get(username="alice").check_password(NEW)


@pytest.mark.parametrize(("language", "resend", "wait"), [
    ("en", "Send a new code", "You can ask for another code in"),
    ("sv", "Skicka en ny kod", "Du kan be om en ny kod om"),
])
def test_a_new_code_asked_for_too_soon_says_how_long_to_wait_on_a_phone(page, screenshot,
                                                                        language, resend, wait):
    words = TEXT[language]
    register_everything(UserFactory(username="hanna", language=language))
    page.set_viewport_size({"width": 390, "height": 844})
    start(page, language, screenshot)
    page.get_by_label(words["sms"]).check()
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_label(words["phone"]).fill("070-123 45 67")
    page.get_by_role("button", name=words["send"]).click()
    page.get_by_role("button", name=resend).click()
    expect(page.get_by_text(wait).first).to_be_visible()
    screenshot(f"reset-resend-wait-390-{language}")
