"""Celery tasks: thin, given ids only; the code is derived in the worker, never passed in."""

from celery import shared_task

from accounts import delivery

from . import codes, limits
from .models import VerificationCode
from .senders import PermanentSendError, sender_for


def send_code_message(row: VerificationCode) -> None:
    """Hand the code of `row` to its channel's provider (the same code on every try)."""
    if row.is_phone and not limits.phone_type_allowed(row.destination, row.channel):
        # Checked again here: no row, however it was written, reaches a premium number.
        raise PermanentSendError("number type refused")
    sender_for(row.channel).send_code(to=row.destination, code=codes.code_for(row),
                                      language=row.language)


@shared_task
def deliver_code(code_id: int) -> str:
    """Try once to send the code message `code_id`; its row says whether and when to retry.

    Timeouts, 5xx and 429 are retried with backoff and the same code; other refusals are
    recorded as failed and audited at once.
    """
    return delivery.deliver(rows=VerificationCode.objects.all(), pk=code_id,
                            send=send_code_message, task=deliver_code,
                            on_failed=codes.code_failed)


@shared_task
def sweep_pending_messages() -> int:
    """Queue the code messages never handed to the broker, or whose retry is overdue."""
    return delivery.sweep(VerificationCode.objects.all(), deliver_code)
