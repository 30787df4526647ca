"""Password expiry (PasswordPolicy.expiry_days): who is due a reminder, and when it expires."""

from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import PasswordPolicy, User


def expires_at(user: User, policy: PasswordPolicy | None = None) -> datetime | None:
    # The user's own fields first: most requests then need no policy query at all.
    if user.password_never_expires or not user.password_changed_at:
        return None
    policy = policy or PasswordPolicy.current()
    if not policy.expiry_days:
        return None
    return user.password_changed_at + timedelta(days=policy.expiry_days)


def expired_users(policy: PasswordPolicy | None = None) -> QuerySet[User]:
    """Users whose password has passed the policy's age; none when passwords never expire."""
    policy = policy or PasswordPolicy.current()
    if not policy.expiry_days:
        return User.objects.none()
    cutoff = timezone.now() - timedelta(days=policy.expiry_days)
    return User.objects.filter(password_never_expires=False, password_changed_at__lte=cutoff)


def users_due_a_reminder(policy: PasswordPolicy | None = None) -> QuerySet[User]:
    """Active users whose password expires within the reminder window and not yet told.

    One reminder per password: the mark is compared with when the password was set, so a
    new password (or a new expiry window) earns a new reminder and nothing else does.
    """
    policy = policy or PasswordPolicy.current()
    if not policy.expiry_days:
        return User.objects.none()
    now = timezone.now()
    window_start = now - timedelta(days=policy.expiry_days - policy.expiry_reminder_days)
    not_yet = Q(password_expiry_reminded_at__isnull=True) | Q(
        password_expiry_reminded_at__lt=F("password_changed_at"))
    return (User.objects.filter(is_active=True, password_never_expires=False,
                                password_changed_at__lte=window_start,
                                password_changed_at__gt=now - timedelta(days=policy.expiry_days))
            .exclude(email="").filter(not_yet))

