import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .expiry import expires_at, users_due_a_reminder
from .lockout import forget_stale_lockouts
from .mail import send_templated_email
from .models import AdminResetJob, AuditEvent, Notice, User

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


@shared_task
def deliver_admin_reset_job(job_id: int) -> None:
    """Run an administrator's password reset job to the end (resumes where it stopped)."""
    from .resets import run_job

    run_job(job_id=job_id)


@shared_task
def sweep_admin_reset_jobs() -> int:
    """Queue again the reset jobs the broker never took (it was down when they started)."""
    stale = AdminResetJob.objects.filter(status=AdminResetJob.Status.QUEUED,
                                         created_at__lte=timezone.now() - timedelta(minutes=2))
    ids = list(stale.values_list("pk", flat=True))
    for job_id in ids:
        deliver_admin_reset_job.delay(job_id)
    return len(ids)


@shared_task
def sweep_sign_in_lockouts() -> int:
    """Delete sign-in lockout rows that no longer count for anything (run hourly by beat)."""
    return forget_stale_lockouts()


@shared_task
def sweep_password_expiry_reminders() -> int:
    """Queue this hour's reminders (run hourly by beat): the most urgent first, at most
    SSPR_EXPIRY_REMINDERS_PER_HOUR, spread over the hour; the rest wait for the next sweep."""
    ids = list(users_due_a_reminder().order_by("password_changed_at", "pk")
               .values_list("pk", flat=True)[:settings.SSPR_EXPIRY_REMINDERS_PER_HOUR])
    for i, user_id in enumerate(ids):
        send_password_expiry_reminder.apply_async((user_id,), countdown=i * 3600 // len(ids))
    return len(ids)


@shared_task(
    autoretry_for=TRANSIENT_SMTP_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
)
def send_password_expiry_reminder(user_id: int) -> None:
    """Tell one user when their password expires, once per password."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if not users_due_a_reminder().filter(pk=user_id).exists():
            return
        send_templated_email(to=[user.email], template="password_expiry_reminder",
                             context={"user": user, "expires_at": expires_at(user)},
                             language=user.language)
        user.password_expiry_reminded_at = timezone.now()
        user.save(update_fields=["password_expiry_reminded_at"])


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=600,
             max_retries=None)
def record_directory_password(*, user_id: int, password: str, event_type: str, actor_id: int,
                              temporary: bool, notify: bool, details: dict | None) -> None:
    """Record a password the directory accepted while the database would not (until it does).

    `password` is the unusable value that replaces the local hash, never a password.
    """
    from .services import save_new_password

    user = User.objects.get(pk=user_id)
    user.password = password
    save_new_password(user, "", event_type, None, User.objects.get(pk=actor_id), temporary,
                         notify, details)
