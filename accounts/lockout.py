"""Sign-in lockout: django-axes counts failures, this module decides for how long.

10 failures lock the account for 60 s; each further lockout doubles that, up to one hour
(SPEC 6.1). A successful sign-in, a reset or an administrator's unlock starts over.
"""

from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone

from .models import LockoutStreak, User, normalise_identifier


def lockout_key(identifier: str) -> str:
    """Return one key per account, however its ID was typed (username, email, any case).

    Unknown IDs get their normalised form, so they are locked exactly like real ones and a
    lockout reveals nothing about existence.
    """
    user = User.objects.get_by_identifier(identifier)
    return normalise_identifier(user.username if user else identifier)[:254]


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the lockout key of the ID being tried."""
    identifier = (credentials or {}).get("username") or request.POST.get("username", "")
    return lockout_key(str(identifier))


def lockout_duration(key: str) -> timedelta:
    streak = LockoutStreak.objects.filter(key=key).values_list("lockouts", flat=True).first()
    doublings = max((streak or 1) - 1, 0)
    seconds = min(settings.SSPR_LOCKOUT_SECONDS * 2**min(doublings, 20),
                  settings.SSPR_LOCKOUT_MAX_SECONDS)
    return timedelta(seconds=seconds)


def cool_off(request: HttpRequest | None) -> timedelta:
    """AXES_COOLOFF_TIME: how long the account being tried stays locked."""
    if request is None:
        return timedelta(seconds=settings.SSPR_LOCKOUT_SECONDS)
    return lockout_duration(axes_username(request, getattr(request, "axes_credentials", None)))


def note_lockout(key: str) -> bool:
    """Count a new lockout for `key`; False when it is the same lockout signalled again."""
    now = timezone.now()
    with transaction.atomic():
        streak, _ = LockoutStreak.objects.select_for_update().get_or_create(key=key)
        if streak.last_locked_at and now - streak.last_locked_at < lockout_duration(key):
            return False
        LockoutStreak.objects.filter(pk=streak.pk).update(
            lockouts=F("lockouts") + 1, last_locked_at=now
        )
    return True


def is_locked_out(user: User) -> bool:
    """Whether `user` is locked out of sign-in right now."""
    key = lockout_key(user.username)
    since = timezone.now() - lockout_duration(key)
    failures = AccessAttempt.objects.filter(username=key, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def clear_lockout(user: User) -> None:
    """Forget the failures and the lockout streak of `user`."""
    key = lockout_key(user.username)
    axes_reset(username=key)
    LockoutStreak.objects.filter(key=key).delete()


def same_response(request: HttpRequest, original_response, credentials=None):
    """AXES_LOCKOUT_CALLABLE: answer a locked account exactly as a wrong password.

    A distinct "you are locked out" page would tell an attacker that the ID exists and that
    they reached the limit (SPEC 8.1); the user learns it from the reset wizard instead.
    """
    return original_response
