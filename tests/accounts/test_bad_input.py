"""Input no page can use is answered with 400 and a clear page, and changes nothing."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

AUDIT = "admin:accounts_auditevent_changelist"


@pytest.mark.parametrize("parameter", ["type", "outcome", "user", "q"])
def test_a_nul_byte_in_an_audit_filter_is_no_server_error(admin_client, parameter):
    # PostgreSQL refuses NUL in any text (a 500 before); SQLite simply finds nothing.
    response = admin_client.get(reverse(AUDIT), {parameter: "a\x00b"})
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.BAD_REQUEST}


def test_a_bad_request_page_says_what_happened(admin_client):
    response = admin_client.get(reverse("admin:accounts_auditevent_export"), {"nope": "1"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "could not be read" in response.content.decode()


def test_a_nul_byte_in_a_form_is_the_forms_error_and_changes_nothing(client):
    before = AuditEvent.objects.count()
    response = client.post(reverse("reset:identify"), {"username": "alice\x00"})
    assert response.status_code == HTTPStatus.OK
    assert "username" in response.context_data["form"].errors
    assert AuditEvent.objects.count() == before


def test_a_number_beyond_any_column_is_no_server_error(admin_client):
    response = admin_client.get(reverse(AUDIT), {"subject": "9" * 40})
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR


def test_a_page_naming_an_object_that_is_not_there_is_not_found(admin_client):
    response = admin_client.get("/admin/otp_totp/totpdevice/999999/config/")
    assert response.status_code in {HTTPStatus.NOT_FOUND, HTTPStatus.FOUND}
