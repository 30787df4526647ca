import csv
import io
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.audit import record_event
from accounts.models import AuditEvent
from tests.admin_session import admin_login
from tests.factories import UserFactory
from verification.models import ContactMethod

pytestmark = pytest.mark.django_db

T = AuditEvent.Type
LIST = "admin:accounts_auditevent_changelist"
EXPORT = "admin:accounts_auditevent_export"


def exported(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_export_neutralises_spreadsheet_formulas(admin_client):
    for typed in ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "plain"]:
        record_event(type=T.SIGN_IN_FAILED, outcome=AuditEvent.Outcome.FAILURE,
                     identifier=typed)

    rows = exported(admin_client.get(reverse(EXPORT) + "?type__exact=sign_in_failed"))

    typed_column = {row[5] for row in rows[1:]}
    assert typed_column == {"'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx",
                            "plain"}


def test_the_export_follows_the_lists_filters(admin_client):
    erik = UserFactory(username="erik")
    record_event(type=T.PASSWORD_CHANGED, subject=erik, actor=erik)
    record_event(type=T.SIGN_IN_FAILED, outcome=AuditEvent.Outcome.FAILURE, identifier="x")

    rows = exported(admin_client.get(reverse(EXPORT) + "?outcome__exact=failure"))

    assert [row[1] for row in rows[1:]] == ["sign_in_failed"]


def test_the_log_is_searched_by_support_code_and_filtered_by_user(admin_client):
    erik, frida = UserFactory(username="erik"), UserFactory(username="frida")
    wanted = record_event(type=T.PASSWORD_CHANGED, subject=erik)
    record_event(type=T.PASSWORD_CHANGED, subject=frida)

    by_code = admin_client.get(reverse(LIST), {"q": wanted.support_code})
    by_user = admin_client.get(reverse(LIST), {"user": "ERIK"})

    assert list(by_code.context["cl"].result_list) == [wanted]
    assert set(by_user.context["cl"].result_list) == {
        wanted, *AuditEvent.objects.filter(subject=erik)}
    assert frida.pk not in {e.subject_id for e in by_user.context["cl"].result_list}


def test_the_log_is_read_only(admin_client):
    event = record_event(type=T.PASSWORD_CHANGED)
    page = admin_client.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))
    assert page.status_code == HTTPStatus.OK
    assert admin_client.get(reverse("admin:accounts_auditevent_add")).status_code == (
        HTTPStatus.FORBIDDEN)
    deleted = admin_client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]),
                                {"post": "yes"})
    assert deleted.status_code == HTTPStatus.FORBIDDEN


def test_the_export_is_refused_to_staff_without_the_view_permission():
    record_event(type=T.PASSWORD_CHANGED, identifier="secretive")
    client = Client()
    admin_login(client, UserFactory(is_staff=True))
    assert client.get(reverse(EXPORT)).status_code == HTTPStatus.FORBIDDEN
    assert client.get(reverse("admin:accounts_auditevent_insights")).status_code == (
        HTTPStatus.FORBIDDEN)


def test_the_insights_page_charts_resets_unlocks_and_blocked_users(admin_client, time_machine):
    time_machine.move_to("2026-05-20 10:00Z")
    erik = UserFactory()
    ContactMethod.objects.create(user=erik, kind="phone", destination="+46701234567")
    record_event(type=T.PASSWORD_RESET, subject=erik)
    record_event(type=T.PASSWORD_RESET, subject=erik)
    record_event(type=T.ACCOUNT_UNLOCKED, subject=erik, details={"via": "self-service"})
    record_event(type=T.ACCOUNT_UNLOCKED, subject=erik, actor=UserFactory(is_staff=True))
    record_event(type=T.GATE_PASSED, subject=erik, details={"method": "email"})
    record_event(type=T.GATE_FAILED, subject=erik, outcome=AuditEvent.Outcome.FAILURE,
                 details={"method": "sms"})
    record_event(type=T.ATTEMPT_BLOCKED, subject=erik, outcome=AuditEvent.Outcome.FAILURE)

    response = admin_client.get(reverse("admin:accounts_auditevent_insights"))

    assert response.status_code == HTTPStatus.OK
    legend = {name: total for name, _, total in response.context["resets"]["legend"]}
    assert legend["Self-service resets"] == 2
    assert legend["Self-service unlocks"] == 1  # the administrator's unlock is not one
    assert legend["Unlocks by administrators"] == 1
    assert response.context["methods"] == [{"method": "email", "passed": 1, "failed": 0},
                                           {"method": "sms", "passed": 0, "failed": 1}]
    assert response.context["blocked_users"] == 1
    html = response.content.decode()
    assert "<svg" in html
    assert 'class="series-reset"' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>")[0]
    # Registrations come from the verification app through SSPR_REGISTRATION_DATA.
    assert "Authentication phone" in html
    assert response.context["not_registered"] == 2  # the administrators; erik has a phone


def test_insights_show_registrations_when_the_hook_provides_them(admin_client, settings):
    settings.SSPR_REGISTRATION_DATA = "tests.accounts.test_admin_policies.TwoRegistered"
    UserFactory(username="ann")
    response = admin_client.get(reverse("admin:accounts_auditevent_insights"))
    labels = [bar["label"] for bar in response.context["registrations"]["bars"]]
    assert labels == ["email", "authenticator"]
    # ada (the admin) has not registered; ann has; ben does not exist.
    assert response.context["not_registered"] == 1
