"""Sign-in lockout: 10 wrong passwords lock an account for 60 s, doubling up to an hour.

SPEC 6.1. Each account key has one row (SignInLockout), changed only under its own row lock.
Nothing sweeps other keys' rows, so another account's sign-in can never shorten a lockout
(django-axes, used before, deleted every account's failures older than the cool-off of
whoever was signing in, so no lockout outlived 60 s). Wrong passwords count while locked too
(see _record_failure), so guessing is held to one limit's worth per lockout. A successful
sign-in, a reset or an unlock starts over; so does a day without a wrong password.

Unknown IDs are counted and locked exactly like real ones, under the ID as typed, so a
lockout says nothing about whether an account exists (SPEC 8.1).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
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


def locked_now() -> QuerySet[SignInLockout]:
    """The keys locked out of sign-in at this moment, known accounts or not."""
    return SignInLockout.objects.filter(locked_until__gt=timezone.now())


def accounts_of(lockouts: QuerySet[SignInLockout]) -> QuerySet[User]:
    """The accounts behind `lockouts`; keys typed for no account have none."""
    return User.objects.alias(key=Lower("username")).filter(key__in=lockouts.values("key"))


def is_locked_out(user: User) -> bool:
    """Whether `user` is locked out of sign-in right now."""
    return locked_until(lockout_key(user.username)) is not None


def clear_lockout(user: User) -> None:
    """Forget the failures and the lockout streak of `user` (reset, unlock, admin action)."""
    clear_lockouts([user])


def clear_lockouts(users: list[User]) -> None:
    """Forget the failures and lockout streaks of `users` at once (an administrator's job)."""
    SignInLockout.objects.filter(key__in=[lockout_key(u.username) for u in users]).delete()


def forget_stale_lockouts() -> int:
    """Delete the rows that read exactly like no row; return how many.

    A row not locked and without a wrong password for FORGET_AFTER is forgotten when next
    read (see _record_failure), so deleting it changes no account's state: unlike a clean-up
    by age alone, it can never end a lockout. It keeps IDs sprayed at the sign-in page from
    piling up. Rows without a failure yet are left alone: a try is between creating and
    counting one.
    """
    now = timezone.now()
    stale = SignInLockout.objects.filter(last_failure_at__lt=now - FORGET_AFTER)
    deleted, _ = stale.exclude(locked_until__gt=now).delete()
    return deleted


def check_sign_in(*, request: HttpRequest | None, user: User | None, identifier: str,
                  password_ok: bool,
                  failure_event: AuditEvent.Type = AuditEvent.Type.SIGN_IN_FAILED,
                  ) -> datetime | None:
    """Count one password try; return when the lockout ends if the account is locked.

    The caller has checked the password first, in every case, so that a locked account costs
    the same one hash as any other try. A right password for a locked account still opens
    nothing; it only lets the caller tell its owner the truth. `failure_event` is what a
    wrong password is audited as (a sign-in, or a password confirmed again).
    """
    key = lockout_key(user.username if user else identifier)
    audit = {"request": request, "user": user, "identifier": identifier}
    if not password_ok:
        return _record_failure(key=key, failure_event=failure_event, **audit)
    now = timezone.now()
    row = SignInLockout.objects.filter(key=key).first()
    if row is None:
        return None
    if _is_locked(row, now):
        _audit(failure_event, locked=True, **audit)
        return row.locked_until
    SignInLockout.objects.filter(pk=row.pk).exclude(locked_until__gt=now).delete()
    return None


def _record_failure(*, key: str, failure_event: AuditEvent.Type, **audit) -> datetime | None:
    """Count a wrong password, locked or not, and lock again at every limit reached.

    Wrong passwords during a lockout count too, or the lockout would be a time of unlimited
    guesses, each answered truthfully for the right one. They never shorten it, and only a
    full limit's worth starts the next, longer lockout: a user retrying a few times while
    locked is not punished, and guessing stays at one limit's worth per lockout.
    """
    now = timezone.now()
    # The row exists before it is locked; one statement, whoever else is creating it.
    SignInLockout.objects.bulk_create([SignInLockout(key=key)], ignore_conflicts=True)
    with transaction.atomic():
        row = SignInLockout.objects.select_for_update().get(key=key)
        _audit(failure_event, locked=_is_locked(row, now), **audit)
        if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
            row.failures = row.streak = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= settings.SSPR_SIGN_IN_FAILURE_LIMIT:
            row.failures, row.streak = 0, row.streak + 1
            seconds = lockout_seconds(row.streak)
            row.locked_until = max(row.locked_until or now, now + timedelta(seconds=seconds))
            _audit(AuditEvent.Type.LOCKED_OUT, details={"seconds": seconds}, **audit)
        row.save()
    return row.locked_until if _is_locked(row, now) else None


def _is_locked(row: SignInLockout, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def _audit(event: AuditEvent.Type, *, request: HttpRequest | None, user: User | None,
           identifier: str, locked: bool = False, details: dict | None = None) -> None:
    record_event(type=event, outcome=AuditEvent.Outcome.FAILURE, request=request, subject=user,
                 identifier=identifier, details=details or ({"locked": True} if locked else None))
