"""Sign-in lockout: 10 wrong passwords lock an account for 60 s, doubling up to an hour.

SPEC 6.1. Each account key has one row (SignInLockout), changed only under its own row lock.
Nothing sweeps other keys' rows, so another account's sign-in can never shorten a lockout
(django-axes, used before, deleted every account's failures older than the cool-off of
whoever was signing in, so no lockout outlived 60 s). While locked, tries are not counted
and do not extend the lockout, or anyone could keep a user out for ever. A successful
sign-in, a reset or an unlock starts over; so does a day without a wrong password.

Unknown IDs are counted and locked exactly like real ones, under the ID as typed, so a
lockout says nothing about whether an account exists (SPEC 8.1).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .audit import record_event
from .models import AuditEvent, SignInLockout, User, normalise_identifier

# Failures and the lockout streak are forgotten after this long without a wrong password.
FORGET_AFTER = timedelta(days=1)


def lockout_key(name: str) -> str:
    """The key of an account: pass a known account's username, or an unknown ID as typed.

    Every spelling of a known account (username, email, any case) must come through its
    username, so that all of them share one counter.
    """
    return normalise_identifier(name)[:254]


def lockout_seconds(streak: int) -> int:
    """How long the `streak`-th lockout in a row lasts: doubled each time, capped."""
    doublings = min(max(streak - 1, 0), 20)
    return min(settings.SSPR_LOCKOUT_SECONDS * 2**doublings, settings.SSPR_LOCKOUT_MAX_SECONDS)


def locked_until(key: str) -> datetime | None:
    """When the lockout of `key` ends, or None when it is not locked."""
    until = SignInLockout.objects.filter(key=key).values_list("locked_until", flat=True).first()
    return until if until is not None and until > timezone.now() else None


def is_locked_out(user: User) -> bool:
    """Whether `user` is locked out of sign-in right now."""
    return locked_until(lockout_key(user.username)) is not None


def clear_lockout(user: User) -> None:
    """Forget the failures and the lockout streak of `user` (reset, unlock, admin action)."""
    SignInLockout.objects.filter(key=lockout_key(user.username)).delete()


def check_sign_in(*, request: HttpRequest | None, user: User | None, identifier: str,
                  password_ok: bool) -> datetime | None:
    """Count one password try; return when the lockout ends if the account is locked.

    The caller has checked the password first, in every case, so that a locked account costs
    the same one hash as any other try. A right password for a locked account still opens
    nothing; it only lets the caller tell its owner the truth.
    """
    key = lockout_key(user.username if user else identifier)
    if not password_ok:
        return _record_failure(key=key, request=request, user=user, identifier=identifier)
    now = timezone.now()
    row = SignInLockout.objects.filter(key=key).first()
    if row is None:
        return None
    if row.locked_until is not None and row.locked_until > now:
        _audit_failure(request=request, user=user, identifier=identifier, locked=True)
        return row.locked_until
    SignInLockout.objects.filter(pk=row.pk).exclude(locked_until__gt=now).delete()
    return None


def _record_failure(*, key: str, request: HttpRequest | None, user: User | None,
                    identifier: str) -> datetime | None:
    now = timezone.now()
    # The row exists before it is locked; one statement, whoever else is creating it.
    SignInLockout.objects.bulk_create([SignInLockout(key=key)], ignore_conflicts=True)
    with transaction.atomic():
        row = SignInLockout.objects.select_for_update().get(key=key)
        locked = row.locked_until is not None and row.locked_until > now
        _audit_failure(request=request, user=user, identifier=identifier, locked=locked)
        if locked:
            return row.locked_until
        if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
            row.failures = row.streak = 0
        row.failures += 1
        row.last_failure_at = now
        locks = row.failures >= settings.SSPR_SIGN_IN_FAILURE_LIMIT
        if locks:
            row.failures, row.streak = 0, row.streak + 1
            row.locked_until = now + timedelta(seconds=lockout_seconds(row.streak))
            record_event(type=AuditEvent.Type.LOCKED_OUT, outcome=AuditEvent.Outcome.FAILURE,
                         request=request, subject=user, identifier=identifier,
                         details={"seconds": lockout_seconds(row.streak)})
        row.save()
    return row.locked_until if locks else None


def _audit_failure(*, request: HttpRequest | None, user: User | None, identifier: str,
                   locked: bool) -> None:
    record_event(type=AuditEvent.Type.SIGN_IN_FAILED, outcome=AuditEvent.Outcome.FAILURE,
                 request=request, subject=user, identifier=identifier,
                 details={"locked": True} if locked else None)
