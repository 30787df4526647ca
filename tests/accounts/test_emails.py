"""Every kind of email, in each language: one language throughout, headers, and wording."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.audit import record_event
from accounts.mail import render_templated_email
from accounts.models import AuditEvent
from tests.factories import UserFactory
from verification.models import PhoneBudgetAlert

pytestmark = pytest.mark.django_db

KINDS = ["account_unlocked", "admin_reset_alert", "helpdesk_request", "methods_changed",
         "password_changed", "password_expiry_reminder", "phone_budget_alert",
         "set_password_link", "temporary_passwords", "verification_code"]

# Words that give English away; a Swedish message must have none of them.
ENGLISH = re.compile(r"\b(the|your|and|you|this|has|was|if|to|of)\b", re.IGNORECASE)


@pytest.fixture
def context():
    """What any of the templates may ask for, with the values a real message would carry."""
    user = UserFactory(username="saga", display_name="Saga Sten",
                       temporary_password_expires_at=timezone.now() + timedelta(days=3))
    event = record_event(type=AuditEvent.Type.PASSWORD_RESET, subject=user, actor=user,
                         support_code="ABCD-1234", details={"reason": "not_registered"})
    job = type("Job", (), {"actor": user, "require_change": True})()
    return {"user": user, "event": event, "url": "https://portal.example.org/x/",
            "expires_at": timezone.now() + timedelta(days=5), "code": "123456", "minutes": 5,
            "alert": PhoneBudgetAlert.objects.create(messages_last_hour=200), "budget": 200,
            "reason": "Not registered", "rows": [(user, "Temp-Pass-1")], "job": job}


def render(kind: str, language: str, context: dict):
    message = render_templated_email(to=["saga@example.org"], template=kind,
                                     context=context, language=language)
    html = message.alternatives[0][0]
    return message, html, re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_every_email_says_a_machine_sent_it_and_names_its_language(kind, language, context):
    message, html, _ = render(kind, language, context)

    assert message.message()["Auto-Submitted"] == "auto-generated"
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_is_wholly_in_swedish_for_a_swedish_reader(kind, context):
    english, _, english_html = render(kind, "en", context)
    swedish, _, swedish_html = render(kind, "sv", context)

    assert swedish.subject != english.subject
    assert swedish.body != english.body
    assert swedish_html != english_html
    assert not ENGLISH.search(swedish.subject + swedish.body + swedish_html), swedish.body


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_every_email_reads_as_written_no_machine_words_or_double_stops(kind, language, context):
    message, _, text_of_html = render(kind, language, context)

    for part in [message.subject, message.body, text_of_html]:
        assert not re.search(r"[^.]\.\.(?!\.)", part), part
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", part), part
