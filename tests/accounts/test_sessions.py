"""Session keys change with privilege; cookies are __Host- and SameSite; no page is cached."""

from datetime import timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.links import set_password_url
from accounts.models import ResetPolicy
from tests.factories import PASSWORD, UserFactory

from .test_hashing import run_with_production_settings

pytestmark = pytest.mark.django_db

NEW = "Orchid-Tundra-Piano-48"


@pytest.fixture
def user():
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    return UserFactory(username="erik", email="erik@example.org")


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def test_confirming_the_password_again_gives_the_session_a_new_key(client):
    before = client.session.session_key
    response = client.post(reverse("accounts:reauthenticate"), {"password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session.session_key != before


def test_production_cookies_are_host_only_and_secure():
    names = run_with_production_settings(
        "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_PATH,"
        " s.CSRF_COOKIE_PATH, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN)"
    )
    assert names.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "/", "/",
                             "None", "None"]


def test_every_cookie_the_portal_sets_has_samesite(client):
    client.get(reverse("accounts:password-change"))
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    client.post(reverse("accounts:reauthenticate"), {"password": PASSWORD})
    names = set(client.cookies)
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME,
            settings.LANGUAGE_COOKIE_NAME} <= names
    assert all(client.cookies[name]["samesite"] == "Lax" for name in names)


def test_pages_with_personal_data_or_secret_forms_are_never_stored(client):
    pages = [reverse("accounts:overview"), reverse("accounts:password-change"),
             reverse("verification:setup"), reverse("home")]
    for page in pages:
        response = client.get(page)
        assert response.status_code == HTTPStatus.OK, page
        assert "no-store" in response["Cache-Control"], page
    newcomer = UserFactory(temporary_password_expires_at=timezone.now() + timedelta(days=1))
    link = Client().get(urlsplit(set_password_url(newcomer)).path, follow=True)
    assert "new_password1" in link.context_data["form"].fields
    assert "no-store" in link["Cache-Control"]


@pytest.mark.parametrize(("name", "data"), [
    ("accounts:reauthenticate", {"password": "wrong-one-here"}),
    ("accounts:password-change", {"old_password": "x", "new_password1": NEW,
                                  "new_password2": NEW}),
    ("accounts:password-check", {"password": NEW}),
])
def test_views_taking_a_password_hide_it_from_error_reports(client, name, data):
    response = client.post(reverse(name), data)
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"
    assert "no-store" in response["Cache-Control"]
