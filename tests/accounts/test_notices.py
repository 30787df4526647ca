import pytest
from django.core import mail

from accounts.audit import record_event
from accounts.models import AuditEvent
from accounts.tasks import send_security_notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "Your Example Organisation password was changed"),
     ("sv", "Ditt lösenord för Example Organisation har ändrats")],
)
def test_a_password_change_notice_goes_out_in_the_users_language(smtp_outbox, language, subject):
    user = UserFactory(language=language)
    event = record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user)

    send_security_notice(event.pk)

    (message,) = smtp_outbox
    assert message.to == [user.email]
    assert message.subject == subject
    assert event.support_code in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert event.support_code in html


def test_no_notice_for_a_user_without_email(smtp_outbox):
    user = UserFactory(email="")
    event = record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user)
    send_security_notice(event.pk)
    assert smtp_outbox == []
