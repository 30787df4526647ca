"""The signed-in pages as a person reads them: activity, signing out, a forced change."""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.audit import record_event
from accounts.models import AuditEvent, ResetPolicy
from accounts.services import sign_in_activity
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FIREFOX_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
                      "Firefox/128.0")


@pytest.fixture
def user():
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    return UserFactory(username="maja")


def test_sign_in_activity_names_the_browser_and_system_in_words(user):
    client = Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS)
    client.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})

    html = client.get(reverse("accounts:overview")).content.decode()

    assert "Firefox on Windows" in html
    assert "Gecko/20100101" not in html


def test_sign_in_activity_in_swedish_and_for_an_unknown_client(user):
    client = Client(HTTP_USER_AGENT="")
    client.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    firefox = Client(HTTP_USER_AGENT=FIREFOX_ON_WINDOWS)
    firefox.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})

    html = client.get(reverse("accounts:overview")).content.decode()

    assert "Firefox på Windows" in html
    assert "Okänd webbläsare" in html


def test_activity_times_are_valid_html_datetimes_without_microseconds(user):
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})

    html = client.get(reverse("accounts:overview")).content.decode()

    (stamp,) = re.findall(r'<time datetime="([^"]+)"', html)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", stamp)


def test_signing_out_says_so(user):
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})

    response = client.post(reverse("accounts:sign-out"), follow=True)

    assert response.status_code == HTTPStatus.OK
    assert "You have signed out" in response.content.decode()


def test_flash_messages_are_a_list_inside_a_status_region(user):
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})
    html = client.post(reverse("accounts:sign-out"), follow=True).content.decode()

    assert '<div role="status">' in html
    assert not re.search(r"<ul[^>]*role=", html)


def test_the_must_change_page_offers_no_way_but_changing_or_signing_out(user):
    user.must_change_password = True
    user.save()
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": "maja", "password": PASSWORD})

    html = client.get(reverse("accounts:password-change")).content.decode()

    nav = html.split('class="site-nav"')[1].split("</nav>")[0]
    assert "Sign out" in nav
    assert "href=" not in nav
    assert "Cancel" not in html
    assert "You must choose a new password" in html


def test_the_change_page_keeps_its_way_back_when_nothing_forces_it(user):
    client = Client()
    client.force_login(user)

    html = client.get(reverse("accounts:password-change")).content.decode()

    assert "Cancel" in html
    assert reverse("accounts:overview") in html.split('class="site-nav"')[1].split("</nav>")[0]


def test_every_page_has_a_meta_description(client):
    html = client.get(reverse("home")).content.decode()
    assert re.search(r'<meta name="description" content="[^"]{40,}">', html)


@pytest.mark.parametrize(("english", "not_swedish"), [
    ("Sign in with your new password. You have been signed out everywhere else.",
     "överallt annars"),
    ("Looks good", "Ser bra ut"),
    ("That code is not right. Check it and try again.", "inte rätt"),
])
def test_the_swedish_reads_as_written_in_swedish(english, not_swedish):
    with translation.override("sv"):
        swedish = translation.gettext(english)
    assert swedish != english
    assert not_swedish not in swedish


def test_activity_is_the_last_twenty_sign_ins_failures_and_lockouts_newest_first(user):
    types = [AuditEvent.Type.SIGNED_IN, AuditEvent.Type.SIGN_IN_FAILED,
             AuditEvent.Type.LOCKED_OUT]
    for n in range(22):
        record_event(type=types[n % 3], subject=user, identifier=f"try-{n}")
    record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user)
    record_event(type=AuditEvent.Type.SIGNED_IN, subject=UserFactory(), identifier="other")

    activity = sign_in_activity(user)

    assert [e.identifier for e in activity] == [f"try-{n}" for n in range(21, 1, -1)]
