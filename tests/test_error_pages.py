"""A database outage gets the portal's own translated 503 page, and any other error its own
translated 500 page, never Django's bare "Server Error (500)"."""

from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        patch.setattr(CursorWrapper, "executemany", refuse)
        yield


@pytest.mark.parametrize(("language", "heading"), [("en", "Temporarily unavailable"),
                                                   ("sv", "Tillfälligt otillgänglig")])
def test_a_database_outage_gets_the_translated_unavailable_page(
        monkeypatch, language, heading):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    with database_down(monkeypatch):  # signing in looks the person up
        response = client.post(reverse("accounts:sign-in"),
                               {"username": "hanna", "password": "Orchid-Tundra-Piano-48"})

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "60"
    assert heading in response.content.decode()


def test_a_signed_in_persons_session_unreadable_still_gets_the_unavailable_page(
        monkeypatch, admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    with database_down(monkeypatch):
        response = client.get(reverse("accounts:overview"))

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "Temporarily unavailable" in response.content.decode()


@pytest.mark.parametrize(("language", "heading"), [("en", "Something went wrong"),
                                                   ("sv", "Något gick fel")])
def test_an_unexpected_error_gets_the_translated_error_page(monkeypatch, language, heading):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("reset.views.IdentifyView.get", broken)
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)

    response = client.get(reverse("reset:identify"))

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert heading in response.content.decode()
    assert "Server Error (500)" not in response.content.decode()
