"""Verification codes: made in the worker, kept as a keyed hash, checked once under a row lock.

A code is 6 digits from `secrets`. It stops working when it is used, after
SSPR_CODE_MAX_TRIES wrong tries, when SSPR_CODE_LIFETIME_SECONDS pass, or when a newer code is
sent to the same person for the same purpose, reset attempt and kind of channel. It never
leaves the worker except in the message itself: the database holds an HMAC of it, keyed with
SECRET_KEY and bound to the row, so a copy of the table alone cannot be brute-forced offline.
"""

import enum
import hmac
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.audit import record_event
from accounts.models import AuditEvent, User

from .models import VerificationCode
from .models.codes import PHONE_CHANNELS

logger = logging.getLogger(__name__)

KEY_SALT = "verification.codes"
DIGITS = 6
CHANNELS_OF_KIND = {
    "email": (VerificationCode.Channel.EMAIL,),
    "phone": PHONE_CHANNELS,
}


class Result(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    DEAD = "dead"  # none sent, expired, used, replaced or out of tries


@dataclass(frozen=True)
class Check:
    result: Result
    code: VerificationCode | None

    @property
    def accepted(self) -> bool:
        return self.result is Result.ACCEPTED


def kind_of(channel: str) -> str:
    return "phone" if channel in PHONE_CHANNELS else "email"


def scope(*, user: User, purpose: str, kind: str, reset_attempt: str = "") -> QuerySet:
    """The codes one newer code replaces, and among which a typed code is checked."""
    return VerificationCode.objects.filter(
        user=user, purpose=purpose, reset_attempt=reset_attempt,
        channel__in=CHANNELS_OF_KIND[kind],
    )


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def hash_code(*, code_id: int, code: str) -> str:
    # Bound to the row id: the same digits hash differently in every row.
    return salted_hmac(KEY_SALT, f"{code_id}:{code}", algorithm="sha256").hexdigest()


def code_matches(row: VerificationCode | None, typed: str) -> bool:
    """Whether `typed` is the code of `row`; without a row, the same hashing, and False."""
    typed = "".join(typed.split())  # people copy "123 456" from a message
    expected = row.code_hash if row is not None else ""
    digest = hash_code(code_id=row.pk if row is not None else 0, code=typed)
    return (len(typed) == DIGITS and typed.isdigit()
            and hmac.compare_digest(expected.encode(), digest.encode()))


@contextmanager
def issue(*, code_id: int) -> Iterator[tuple[VerificationCode, str] | None]:
    """Lock row `code_id`, make its code and yield it to be sent; yield None if it must not be.

    The row stays locked, and is recorded as sent, only if the block around the provider call
    finishes: if the sender raises or the worker dies, the transaction rolls back, the row is
    pending again without a hash, and the next try sends a fresh code. So every code that
    exists was sent at most once, and two tasks for one row never both send (SPEC 7).
    """
    with transaction.atomic():
        # skip_locked: another worker holds the row, so it is being sent right now.
        row = (VerificationCode.objects.select_for_update(skip_locked=True)
               .filter(pk=code_id, status=VerificationCode.Status.PENDING).first())
        if row is None:
            yield None
            return
        if row.is_expired or row.replaced_at or row.used_at:
            # Nobody can use it any more; sending it would only spend money and confuse.
            row.status = VerificationCode.Status.SKIPPED
            row.save(update_fields=["status"])
            yield None
            return
        code = new_code()
        row.code_hash = hash_code(code_id=row.pk, code=code)
        row.status, row.sent_at = VerificationCode.Status.SENT, timezone.now()
        row.send_tries += 1
        row.save(update_fields=["code_hash", "status", "sent_at", "send_tries"])
        yield row, code


def note_failed_send(*, code_id: int, reason: str) -> None:
    """Count a delivery try that did not go through and will be retried."""
    VerificationCode.objects.filter(pk=code_id).update(send_tries=F("send_tries") + 1,
                                                       failure=reason[:120])
    logger.warning("code message not sent, will retry", extra={"code_id": code_id,
                                                               "reason": reason})


def mark_failed(*, code_id: int, reason: str) -> None:
    """Record that the message of `code_id` will not be delivered, and audit it."""
    with transaction.atomic():
        row = VerificationCode.objects.select_for_update().filter(pk=code_id).first()
        if row is None or row.status != VerificationCode.Status.PENDING:
            return
        row.status, row.failure = VerificationCode.Status.FAILED, reason[:120]
        row.save(update_fields=["status", "failure"])
        record_event(type=AuditEvent.Type.MESSAGE_FAILED, outcome=AuditEvent.Outcome.FAILURE,
                     subject=row.user, details={"code_id": row.pk, "channel": row.channel,
                                                "purpose": row.purpose, "reason": row.failure})
    logger.error("code message failed", extra={"code_id": code_id, "reason": reason})


def codes_to_resend() -> list[int]:
    """Return the ids of messages recorded but not sent in time; retire the expired ones."""
    now = timezone.now()
    pending = VerificationCode.objects.filter(status=VerificationCode.Status.PENDING)
    pending.filter(expires_at__lte=now).update(status=VerificationCode.Status.SKIPPED)
    waited = now - timedelta(seconds=settings.SSPR_SWEEP_GRACE_SECONDS)
    return list(pending.filter(created_at__lte=waited, expires_at__gt=now,
                               replaced_at=None).values_list("pk", flat=True))


def check(*, codes: QuerySet, typed: str) -> Check:
    """Check `typed` against the newest code in `codes`, with that row locked.

    The lock makes the try count exact under parallel requests: N guesses at once never get
    more than SSPR_CODE_MAX_TRIES checks, and a right code is accepted exactly once (SPEC 8.3).
    """
    with transaction.atomic():
        row = codes.select_for_update().order_by("-created_at", "-id").first()
        live = row is not None and row.accepts_tries()
        # The same work whether or not a live code exists: the typed code is hashed and a
        # try is charged (to no row when there is none), so that neither the time nor the
        # queries tell whether a code was ever sent, in the reset wizard say (SPEC 8.1).
        if code_matches(row if live else None, typed):
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return Check(Result.ACCEPTED, row)
        VerificationCode.objects.filter(pk=row.pk if live else None).update(
            failed_tries=F("failed_tries") + 1)
        if not live:
            return Check(Result.DEAD, row)
        row.failed_tries += 1
        return Check(Result.WRONG, row)
