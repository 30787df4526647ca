"""The shell every page shares: languages, security headers, no third-party assets."""

import re
from http import HTTPStatus

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.test_error_pages import database_down

pytestmark = pytest.mark.django_db


def test_home_page_is_english_by_default(client):
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.OK
    assert b'<html lang="en">' in response.content
    assert b"Get back into your account" in response.content


def test_home_page_follows_the_browser_language(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9")
    assert b'<html lang="sv">' in response.content
    assert "Kom tillbaka in på ditt konto".encode() in response.content


def test_the_language_switcher_changes_language(client):
    response = client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    assert response.status_code == HTTPStatus.FOUND
    assert b'<html lang="sv">' in client.get(reverse("home")).content


def test_pages_send_the_security_headers(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_load_nothing_from_another_origin_and_run_no_inline_script(client):
    html = client.get(reverse("home")).content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html


def test_forms_carry_a_csrf_token(client):
    html = client.get(reverse("home")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html


def test_health_reports_each_dependency(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok",
                               "failed_deliveries_last_hour": 0}


def test_health_says_503_when_the_database_is_down(client, monkeypatch):
    with database_down(monkeypatch):
        response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"database": "down", "cache": "ok", "broker": "ok"}


def test_health_says_503_when_the_cache_is_down(client):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["cache"] == "down"
