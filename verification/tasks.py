"""Celery tasks: thin, given ids only; the code is made inside `deliver_code`, never passed in."""

import logging
import random

from celery import shared_task
from django.conf import settings

from accounts.mail import send_templated_email
from accounts.models import User
from accounts.tasks import TRANSIENT_SMTP_ERRORS

from . import codes
from .models import PhoneBudgetAlert
from .senders import PermanentSendError, TransientSendError, sender_for

logger = logging.getLogger(__name__)

SEND_MAX_RETRIES = 5


def retry_delay(retries: int) -> float:
    """Seconds before try `retries + 1`: doubling from SSPR_SEND_RETRY_SECONDS, with jitter."""
    base = settings.SSPR_SEND_RETRY_SECONDS * 2**retries
    return base + random.uniform(0, base / 2)  # noqa: S311 - spreading retries, not a secret


@shared_task(bind=True, max_retries=SEND_MAX_RETRIES)
def deliver_code(self, code_id: int) -> None:
    """Make the code of row `code_id`, store its hash and send it, at most once.

    Timeouts, 5xx and 429 are retried with backoff (each try carries a fresh code, and only
    the newest works); other refusals are recorded as failed and audited at once.
    """
    try:
        with codes.issue(code_id=code_id) as issued:
            if issued is None:
                return
            row, code = issued
            sender_for(row.channel).send_code(to=row.destination, code=code,
                                              language=row.language)
    except TransientSendError as exc:
        if self.request.retries >= self.max_retries:
            codes.mark_failed(code_id=code_id, reason=exc.reason)
            return
        codes.note_failed_send(code_id=code_id, reason=exc.reason)
        raise self.retry(countdown=retry_delay(self.request.retries)) from None
    except PermanentSendError as exc:
        codes.mark_failed(code_id=code_id, reason=exc.reason)


@shared_task
def sweep_pending_messages() -> int:
    """Queue again every code message recorded but not sent (say, while Redis was down)."""
    ids = codes.codes_to_resend()
    for code_id in ids:
        deliver_code.delay(code_id)
    if ids:
        logger.info("re-queued pending code messages", extra={"count": len(ids)})
    return len(ids)


@shared_task(autoretry_for=TRANSIENT_SMTP_ERRORS, retry_backoff=5, retry_backoff_max=600,
             max_retries=8)
def send_phone_budget_alert(alert_id: int) -> None:
    """Tell every active administrator that texts and calls were switched off."""
    alert = PhoneBudgetAlert.objects.get(pk=alert_id)
    staff = User.objects.filter(is_staff=True, is_active=True).exclude(email="")
    for admin in staff:
        send_templated_email(
            to=[admin.email], template="phone_budget_alert", language=admin.language,
            context={"alert": alert, "budget": settings.SSPR_PHONE_HOURLY_BUDGET},
        )
