import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory

from accounts.audit import record_event
from accounts.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_event_keeps_actor_and_subject_apart_with_ip_and_browser(settings):
    settings.SSPR_TRUSTED_PROXY_COUNT = 1
    admin, user = UserFactory(is_staff=True), UserFactory()
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
        HTTP_USER_AGENT="Firefox/130",
    )
    request.user = admin

    event = record_event(
        type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN, request=request, subject=user,
        details={"delivery": "link"},
    )

    event.refresh_from_db()
    assert (event.actor, event.subject) == (admin, user)
    # One trusted proxy: the address it saw is the last entry, not what the client wrote first.
    assert event.ip == "203.0.113.9"
    assert event.user_agent == "Firefox/130"
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.details == {"delivery": "link"}


def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    event = record_event(type=AuditEvent.Type.SIGN_IN_FAILED, request=request,
                         outcome=AuditEvent.Outcome.FAILURE, identifier="nobody")
    assert event.ip == "192.0.2.1"


def test_support_codes_are_short_unambiguous_and_distinct():
    codes = {record_event(type=AuditEvent.Type.RESET_STARTED).support_code for _ in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"[34679ACDEFGHJKMNPQRTUVWXY]{4}-[34679ACDEFGHJKMNPQRTUVWXY]{4}", c)
               for c in codes)


def test_a_given_support_code_is_kept_so_one_journey_shares_it():
    first = record_event(type=AuditEvent.Type.RESET_STARTED)
    second = record_event(type=AuditEvent.Type.GATE_FAILED, support_code=first.support_code)
    assert second.support_code == first.support_code


def test_a_typed_identifier_is_truncated_not_rejected():
    event = record_event(type=AuditEvent.Type.SIGN_IN_FAILED, identifier="x" * 10_000)
    assert len(event.identifier) == 150


def test_the_database_refuses_to_rewrite_an_event():
    event = record_event(type=AuditEvent.Type.SIGNED_IN)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(type=AuditEvent.Type.SIGN_IN_FAILED)
    event.refresh_from_db()
    assert event.type == AuditEvent.Type.SIGNED_IN


def test_the_database_refuses_to_delete_an_event_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("deletes are refused on PostgreSQL only; SQLite tests flush with DELETE")
    event = record_event(type=AuditEvent.Type.SIGNED_IN)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_user_with_history_cannot_be_deleted():
    user = UserFactory()
    record_event(type=AuditEvent.Type.SIGNED_IN, subject=user)
    with pytest.raises(ProtectedError):
        user.delete()
