import pytest

from accounts.audit import record_event
from accounts.models import AuditEvent
from accounts.services import queue_notice
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_notice_goes_from_the_web_process_through_the_worker_to_smtp(
    postgres, celery_worker, smtp_inbox
):
    user = UserFactory(email="dana@example.org", language="sv")
    event = record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user)
    queue_notice(event=event)  # queued for the worker as it commits

    (message,) = smtp_inbox.wait_for(1)
    assert message["X-Envelope-To"] == "dana@example.org"
    assert message["Subject"].strip() == "Ditt lösenord för Example Organisation har ändrats"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert event.support_code in text.get_content()
    assert event.support_code in html.get_content()
