"""Celery tasks of the accounts app: thin, given ids; messages go through accounts.delivery."""

from datetime import timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, transaction
from django.utils import timezone

from . import delivery
from .expiry import users_due_a_reminder
from .lockout import forget_stale_lockouts
from .mail import close_quietly
from .messages import message_failed, new_message, queue_messages, send_message
from .models import AdminResetJob, Message, User


@shared_task
def deliver_message(message_id: int) -> str:
    """Try once to send message `message_id`; its row says whether and when to try again."""
    return delivery.deliver(rows=Message.objects.select_related("user", "event"),
                            pk=message_id, send=send_message, task=deliver_message,
                            on_failed=message_failed)


@shared_task
def deliver_messages(message_ids: list[int]) -> list[str]:
    """Try once to send each of `message_ids` (a few, recorded together), one after another
    over one SMTP connection: one task, one connection and one database reconnection for a
    notice to each of a person's addresses, not one each."""
    smtp = get_connection()
    try:
        return delivery.deliver_all(rows=Message.objects.select_related("user", "event"),
                                    pks=message_ids, send=partial(send_message, connection=smtp),
                                    task=deliver_message, on_failed=message_failed)
    finally:
        close_quietly(smtp)


@shared_task
def queue_deliveries(message_ids: list[int]) -> None:
    """Queue deliver_message for each of `message_ids`: many messages, one broker hop for
    whoever recorded them (accounts.messages.queue_messages)."""
    for message_id in message_ids:
        delivery.enqueue(deliver_message, message_id)


@shared_task
def sweep_messages() -> int:
    """Queue the messages never handed to the broker, or whose retry or worker is overdue."""
    return delivery.sweep(Message.objects.all(), deliver_message)


@shared_task
def deliver_admin_reset_job(job_id: int) -> None:
    """Run an administrator's password reset job to the end (resumes where it stopped)."""
    from .resets import enqueue_job, run_job

    if not run_job(job_id=job_id).is_done:
        # Some users are leased to a run that stopped (a killed worker): come back for them
        # once those leases have ended.
        enqueue_job(job_id, countdown=settings.SSPR_ADMIN_RESET_LEASE_SECONDS)


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


@shared_task
def send_password_expiry_reminder(user_id: int) -> None:
    """Record one user's reminder of when their password expires, once per password."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if not users_due_a_reminder().filter(pk=user_id).exists():
            return
        queue_messages([new_message(template="password_expiry_reminder", to=user.email,
                                    language=user.language, user=user)])
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
