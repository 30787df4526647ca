"""A directory user's reset in a real browser, the password landing in a real OpenLDAP and
a real Samba AD DC (the session's servers, shared with tests/directory)."""

import re

import pytest

from accounts.directory import find_user
from tests.directory.test_servers import OLD, binds
from tests.reset.conftest import register_everything

from .test_reset import NEW, TEXT, new_password, start

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_directory_user_resets_by_text_message_and_signs_in(configured, new_name, page,
                                                              screenshot):
    dn = configured.add_user(new_name, OLD)
    register_everything(find_user(new_name))
    words = TEXT["en"]
    start(page, "en", screenshot, user_id=new_name)
    page.get_by_label(words["sms"]).check()
    page.get_by_role("button", name=words["next"]).click()
    page.get_by_label(words["phone"]).fill("070-123 45 67")
    page.get_by_role("button", name=words["send"]).click()
    outbox = page.context.new_page()
    outbox.goto(page.base_url + "/dev/outbox/")
    code = re.search(r"\b\d{6}\b", outbox.locator(".outbox__entry--sms").first.inner_text())
    outbox.close()
    page.get_by_label(words["code"]).fill(code.group())
    page.get_by_role("button", name=words["verify"]).click()
    new_password(page, "en", screenshot)

    assert binds(configured, dn, NEW)
    assert not binds(configured, dn, OLD)
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("User ID or email").fill(new_name)
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/(setup|account)/"))
