import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from accounts.audit import record_event
from accounts.models import AdminResetJob, AuditEvent
from tests.admin_session import authenticator, current_code
from tests.factories import PASSWORD, UserFactory
from verification.models import OutboxEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHOSEN = "Saffron-Glacier-Lantern-61"
T = AuditEvent.Type


def sign_in(page, username, password):
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("User ID or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def admin_sign_in(page, user, screenshot=None, language="en"):
    """Open the admin: the portal's sign-in, then the authenticator code."""
    device = authenticator(user)
    page.goto(page.base_url + "/admin/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.locator("input[name=code]").fill(current_code(device))
    if screenshot:
        screenshot(f"admin-second-factor-{language}")
    page.locator("input[name=code]").press("Enter")
    expect(page.locator("#site-name")).to_be_visible()


def test_an_admin_sends_a_link_and_the_user_sets_a_password_and_signs_in(page, screenshot):
    ada = UserFactory(username="ada", is_staff=True, is_superuser=True)
    UserFactory(username="hanna", email="hanna@example.org", display_name="Hanna Holm")
    UserFactory(username="ivar")

    admin_sign_in(page, ada, screenshot)
    page.goto(page.base_url + "/admin/accounts/user/")
    screenshot("admin-users-en")
    page.get_by_role("row", name=re.compile("hanna")).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("reset_passwords")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_label(re.compile("one-time link"))).to_be_checked()
    screenshot("admin-reset-options-en")
    page.get_by_role("button", name="Reset passwords").click()
    expect(page.locator("#job-progress")).to_be_visible()
    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    screenshot("admin-reset-job-en")

    page.context.clear_cookies()
    page.goto(page.base_url + "/dev/outbox/")
    expect(page.get_by_text("hanna@example.org")).to_be_visible()
    body = OutboxEntry.objects.get(to="hanna@example.org").body
    link = re.search(r"https://portal\.example\.test(/\S+)", body).group(1)
    page.goto(page.base_url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    page.get_by_label("New password:", exact=True).fill(CHOSEN)
    expect(page.locator("[data-rule=length]")).to_have_class("is-met")
    page.get_by_label("New password confirmation").fill(CHOSEN)
    screenshot("set-password-en")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")

    sign_in(page, "hanna", CHOSEN)
    page.get_by_role("link", name="Skip for now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")

    page.context.clear_cookies()
    page.goto(page.base_url + link)
    expect(page.get_by_role("alert")).to_contain_text("This link can't be used")


def test_the_insights_and_policy_pages_look_like_the_admin(page, screenshot):
    ada = UserFactory(username="ada", is_staff=True, is_superuser=True)
    erik = UserFactory(username="erik")
    now = timezone.now()
    for day, (resets, unlocks, failed) in enumerate([(3, 1, 2), (5, 0, 4), (1, 2, 0), (4, 1, 1)]):
        with time_machine.travel(now - timedelta(days=day * 2), tick=False):
            for _ in range(resets):
                record_event(type=T.PASSWORD_RESET, subject=erik)
                record_event(type=T.GATE_PASSED, subject=erik, details={"method": "email"})
            for _ in range(unlocks):
                record_event(type=T.ACCOUNT_UNLOCKED, subject=erik)
            for _ in range(failed):
                record_event(type=T.GATE_FAILED, outcome="failure", subject=erik,
                             details={"method": "sms"})
    admin_sign_in(page, ada)
    page.goto(page.base_url + "/admin/accounts/auditevent/insights/")
    expect(page.get_by_role("heading", name="Resets and unlocks per day")).to_be_visible()
    screenshot("admin-insights-en")
    page.goto(page.base_url + "/admin/accounts/resetpolicy/")
    page.get_by_label("Methods required to reset").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("could no longer do so")).to_be_visible()
    screenshot("admin-policy-tighten-en")
    page.goto(page.base_url + "/admin/accounts/auditevent/")
    screenshot("admin-audit-en")


def test_the_administration_pages_in_swedish(page, screenshot):
    ada = UserFactory(username="ada", is_staff=True, is_superuser=True, language="sv")
    UserFactory(username="hanna", email="hanna@example.org")
    page.goto(page.base_url + "/")
    page.get_by_role("button", name="Svenska").click()
    admin_sign_in(page, ada, screenshot, language="sv")
    expect(page.get_by_text("Kontohjälp: administration")).to_be_visible()
    page.goto(page.base_url + "/admin/accounts/user/")
    screenshot("admin-users-sv")
    page.get_by_role("row", name=re.compile("hanna")).get_by_role("checkbox").check()
    page.get_by_label("Åtgärd:").select_option("reset_passwords")
    page.get_by_role("button", name="Utför").click()
    expect(page.get_by_label(re.compile("engångslänk"))).to_be_checked()
    screenshot("admin-reset-options-sv")
    page.goto(page.base_url + "/admin/accounts/auditevent/insights/")
    screenshot("admin-insights-sv")


def test_the_job_pages_progress_text_follows_the_bar(page):
    ada = UserFactory(username="ada", is_staff=True, is_superuser=True)
    job = AdminResetJob.objects.create(actor=ada, delivery="link", total=15003,
                                       status=AdminResetJob.Status.RUNNING)
    answers = iter([2250, 4500, 9000])

    def progress(route):
        done = next(answers, 9000)
        route.fulfill(json={"status": "running", "processed": done, "total": 15003,
                            "percent": done * 100 // 15003})

    page.route(re.compile(r".*/progress/$"), progress)
    admin_sign_in(page, ada)
    page.goto(page.base_url + f"/admin/accounts/adminresetjob/{job.pk}/change/")

    for done in (2250, 4500, 9000):
        expect(page.locator("[data-progress-text]")).to_have_text(f"{done} of 15003 users")
        expect(page.locator("#job-progress")).to_have_attribute("value", str(done))


@pytest.mark.parametrize("language", ["en", "sv"])
def test_an_admin_who_promotes_a_user_being_reset_is_told_to_wait(page, screenshot, language):
    from accounts.models import AdminResetJobItem

    ada = UserFactory(username="ada", is_staff=True, is_superuser=True, language=language)
    olga = UserFactory(username="olga")
    job = AdminResetJob.objects.create(actor=ada, delivery="link", total=1,
                                       status=AdminResetJob.Status.RUNNING)
    # A worker is between its authority check and its record for olga.
    AdminResetJobItem.objects.create(job=job, user=olga,
                                     lease_until=timezone.now() + timedelta(minutes=2))

    page.goto(page.base_url + "/")
    page.get_by_role("button", name={"en": "English", "sv": "Svenska"}[language]).click()
    admin_sign_in(page, ada)
    page.goto(page.base_url + f"/admin/accounts/user/{olga.pk}/change/")
    page.locator("input[name=is_staff]").check()
    page.locator("input[name=_save]").click()

    expect(page.locator(".errornote")).to_be_visible()
    message = {"en": "a password reset of this account is running",
               "sv": "en lösenordsåterställning av kontot pågår"}[language]
    expect(page.get_by_text(message)).to_be_visible()
    screenshot(f"admin-promotion-waits-{language}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(f"admin-promotion-waits-{language}-390")
    olga.refresh_from_db()
    assert not olga.is_staff
