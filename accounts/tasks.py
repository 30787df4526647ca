import smtplib

from celery import shared_task

from .mail import send_templated_email
from .models import AuditEvent

# Worth another try: the server was unreachable, slow or hung up. A refused recipient or
# message is not, and retrying it would only repeat the refusal.
TRANSIENT_SMTP_ERRORS = (
    ConnectionError,
    TimeoutError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)

# Events the user is told about by email, and the template that tells them.
NOTICE_TEMPLATES = {
    AuditEvent.Type.PASSWORD_CHANGED: "password_changed",
}


@shared_task(
    autoretry_for=TRANSIENT_SMTP_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_security_notice(event_id: int) -> None:
    """Tell the subject of audit event `event_id` what happened to their account."""
    event = AuditEvent.objects.select_related("subject").get(pk=event_id)
    user = event.subject
    if user is None or not user.email:
        return
    send_templated_email(
        to=[user.email],
        template=NOTICE_TEMPLATES[event.type],
        context={"user": user, "event": event},
        language=user.language,
    )
