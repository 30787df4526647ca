import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .mail import send_templated_email
from .models import AuditEvent, Notice

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
    AuditEvent.Type.PASSWORD_RESET: "password_changed",
    AuditEvent.Type.PASSWORD_RESET_BY_ADMIN: "password_changed",
    AuditEvent.Type.ACCOUNT_UNLOCKED: "account_unlocked",
    AuditEvent.Type.METHOD_REGISTERED: "methods_changed",
    AuditEvent.Type.METHOD_REMOVED: "methods_changed",
}


def notice_recipients(event: AuditEvent) -> list[str]:
    """The subject's own email and whatever SSPR_NOTICE_ADDRESSES adds (alternate email)."""
    user = event.subject
    found = [user.email] if user.email else []
    for address in import_string(settings.SSPR_NOTICE_ADDRESSES)(event):
        if address not in found:
            found.append(address)
    return found


@shared_task(
    autoretry_for=TRANSIENT_SMTP_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_security_notice(notice_id: int) -> None:
    """Tell the subject of a notice's audit event what happened to their account, once."""
    with transaction.atomic():
        notice = (Notice.objects.select_for_update(of=("self",)).select_related("event__subject")
                  .get(pk=notice_id))
        if notice.sent_at is not None:
            return
        user = notice.event.subject
        recipients = notice_recipients(notice.event) if user is not None else []
        for address in recipients:
            # One email per address: an alternate address never sees the work one.
            send_templated_email(
                to=[address],
                template=NOTICE_TEMPLATES[notice.event.type],
                context={"user": user, "event": notice.event},
                language=user.language,
            )
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])


@shared_task
def sweep_notices() -> int:
    """Queue again the notices recorded but not sent (the broker was down, say)."""
    now = timezone.now()
    pending = Notice.objects.filter(
        sent_at__isnull=True,
        created_at__lte=now - timedelta(minutes=2),
        created_at__gte=now - timedelta(days=1),
    ).values_list("pk", flat=True)
    for notice_id in pending:
        send_security_notice.delay(notice_id)
    return len(pending)
