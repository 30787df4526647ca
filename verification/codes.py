"""Verification codes: derived in the worker, sent the same on every try, checked under a lock.

A code is 6 digits derived from SECRET_KEY and the row's random salt. It stops working when it
is used, after SSPR_CODE_MAX_TRIES wrong tries, when SSPR_CODE_LIFETIME_SECONDS pass, or when
a newer code is sent to the same person for the same purpose, reset attempt and kind of
channel. It never leaves the worker except in the message itself, and neither the broker nor
the database holds it: a copy of the table without SECRET_KEY tells nothing about any code.
A retry (a provider timed out, but may have delivered) sends the same code, so a person never
holds an unusable code after a usable one, and a duplicate only repeats a working code.
"""

import enum
import hmac
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.audit import record_event
from accounts.messages import alert_staff_of_failure
from accounts.models import AuditEvent, User

from .models import VerificationCode
from .models.codes import PHONE_CHANNELS

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


def code_for(row: VerificationCode) -> str:
    """The code of `row`: the same on every try, so a late duplicate repeats a working code.

    An HMAC keyed with SECRET_KEY of the row's id and random salt, reduced to DIGITS digits
    (the bias of reducing 256 bits is negligible). Neither the salt nor the id alone tells it.
    """
    digest = salted_hmac(KEY_SALT, f"{row.pk}:{row.salt}", algorithm="sha256").hexdigest()
    return f"{int(digest, 16) % 10**DIGITS:0{DIGITS}d}"


# Derived from, and charged a try (primary key 0: no row has it), when no code is live, so
# that a check costs the same either way (SPEC 8.1).
STAND_IN = VerificationCode(pk=0, salt="")


def code_matches(row: VerificationCode | None, typed: str) -> bool:
    """Whether `typed` is the code of `row`; without a row, the same derivation, and False."""
    typed = "".join(typed.split())  # people copy "123 456" from a message
    expected = code_for(row if row is not None else STAND_IN)
    return (row is not None and len(typed) == DIGITS and typed.isascii() and typed.isdigit()
            and hmac.compare_digest(expected, typed))


def code_failed(row: VerificationCode) -> None:
    """Audit a code message that will not be delivered, and alert staff once per burst."""
    record_event(type=AuditEvent.Type.MESSAGE_FAILED, outcome=AuditEvent.Outcome.FAILURE,
                 subject=row.user, details={"code_id": row.pk, "channel": row.channel,
                                            "purpose": row.purpose, "reason": row.failure})
    alert_staff_of_failure(reason=row.failure)


def check(*, codes: QuerySet, typed: str) -> Check:
    """Check `typed` against the newest code in `codes`, with that row locked.

    The lock makes the try count exact under parallel requests: N guesses at once never get
    more than SSPR_CODE_MAX_TRIES checks, and a right code is accepted exactly once (SPEC 8.3).
    """
    with transaction.atomic():
        row = codes.select_for_update().order_by("-created_at", "-id").first()
        live = row is not None and row.accepts_tries()
        # The same work whether or not a live code exists: the typed code is hashed and a
        # try is charged (to STAND_IN, which no row is, when none is live), so that neither
        # the time nor the queries tell whether a code was ever sent, in the reset wizard
        # say (SPEC 8.1).
        if code_matches(row if live else None, typed):
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return Check(Result.ACCEPTED, row)
        VerificationCode.objects.filter(pk=(row if live else STAND_IN).pk).update(
            failed_tries=F("failed_tries") + 1)
        if not live:
            return Check(Result.DEAD, row)
        row.failed_tries += 1
        return Check(Result.WRONG, row)
