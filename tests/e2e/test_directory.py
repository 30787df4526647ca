"""A directory user's reset in a real browser, the password landing in a real OpenLDAP."""

import re

import pytest
from django.conf import settings as django_settings

from accounts.directory import find_user
from tests.directory.servers import Slapd, available
from tests.directory.test_servers import OLD, binds
from tests.reset.conftest import register_everything

from .test_reset import NEW, TEXT, new_password, start

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    reason = available("ldap")
    if reason:
        if django_settings.SSPR_REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {reason}")
        pytest.skip(reason)
    server = Slapd(tmp_path_factory.mktemp("e2e-ldap"))
    server.start()
    yield server
    server.stop()


def test_a_directory_user_resets_by_text_message_and_signs_in(slapd, settings, page, screenshot):
    settings.SSPR_DIRECTORY = "ldap"
    settings.SSPR_DIRECTORY_URL = slapd.url
    settings.SSPR_DIRECTORY_CA_FILE = str(slapd.pki["ca"])
    settings.SSPR_DIRECTORY_BASE_DN = slapd.base_dn
    settings.SSPR_DIRECTORY_BIND_DN = slapd.service_dn
    settings.SSPR_DIRECTORY_BIND_PASSWORD = slapd.service_password
    dn = slapd.add_user("brita", OLD)
    register_everything(find_user("brita"))
    words = TEXT["en"]
    start(page, "en", screenshot, user_id="brita")
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

    assert binds(slapd, dn, NEW)
    assert not binds(slapd, dn, OLD)
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("User ID or email").fill("brita")
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/(setup|account)/"))
