"""Password expiry (PasswordPolicy.expiry_days): who is due a reminder, and when it expires.

A policy change must never mail the whole organisation at once. Reminders go only to people
whose reminder window opens after the expiry rule took its present form (those already
inside it, or expired, learn at their next sign-in), and the hourly sweep sends at most
SSPR_EXPIRY_REMINDERS_PER_HOUR, spread over the hour. The policy page previews the counts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import AuditEvent, PasswordPolicy, User

EXPIRY_FIELDS = ("expiry_days", "expiry_reminder_days")


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


def expiry_rule_set_at() -> datetime | None:
    """When an administrator last changed the expiry or reminder days (the audit log)."""
    changed = Q(details__changes__has_key=EXPIRY_FIELDS[0]) | Q(
        details__changes__has_key=EXPIRY_FIELDS[1])
    return (AuditEvent.objects.filter(type=AuditEvent.Type.POLICY_CHANGED,
                                      details__policy=PasswordPolicy._meta.model_name)
            .filter(changed).order_by("-created_at").values_list("created_at", flat=True)
            .first())


def _lead(policy: PasswordPolicy) -> timedelta:
    """How long after a password is set its reminder window opens."""
    return timedelta(days=max(policy.expiry_days - policy.expiry_reminder_days, 0))


def users_due_a_reminder(policy: PasswordPolicy | None = None, *,
                         rule_set_at: datetime | None = None,
                         now: datetime | None = None) -> QuerySet[User]:
    """Active users whose reminder window opened after the rule was set, not yet told.

    One reminder per password: the mark is compared with when the password was set, so a
    new password (or a new expiry window) earns a new reminder and nothing else does.
    """
    policy = policy or PasswordPolicy.current()
    if not policy.expiry_days:
        return User.objects.none()
    now = now or timezone.now()
    rule_set_at = rule_set_at or expiry_rule_set_at()
    not_yet = Q(password_expiry_reminded_at__isnull=True) | Q(
        password_expiry_reminded_at__lt=F("password_changed_at"))
    due = (User.objects.filter(is_active=True, password_never_expires=False,
                               password_changed_at__lte=now - _lead(policy),
                               password_changed_at__gt=now - timedelta(days=policy.expiry_days))
           .exclude(email="").filter(not_yet))
    if rule_set_at is not None:
        # The window of these opened under an older rule, or before any rule: a new rule
        # must not turn them all into one burst of mail.
        due = due.filter(password_changed_at__gt=rule_set_at - _lead(policy))
    return due


@dataclass(frozen=True)
class ExpiryPreview:
    """What saving a new expiry rule would do, counted before it is saved."""

    expired: int  # must choose a new password at their next sign-in; no email
    inside_window: int  # expire within the reminder window; told at sign-in, no email
    reminded_first_week: int  # windows opening in the next 7 days: reminded as they open


def preview_expiry(proposed: PasswordPolicy) -> ExpiryPreview:
    """Count who the `proposed` rule would affect, were it saved now."""
    if not proposed.expiry_days:
        return ExpiryPreview(0, 0, 0)
    now = timezone.now()
    people = User.objects.filter(is_active=True, password_never_expires=False,
                                 password_changed_at__isnull=False)
    expired_before = now - timedelta(days=proposed.expiry_days)
    window_open_before = now - _lead(proposed)
    return ExpiryPreview(
        expired=people.filter(password_changed_at__lte=expired_before).count(),
        inside_window=people.filter(password_changed_at__gt=expired_before,
                                    password_changed_at__lte=window_open_before).count(),
        reminded_first_week=people.exclude(email="").filter(
            password_changed_at__gt=window_open_before,
            password_changed_at__lte=window_open_before + timedelta(days=7)).count(),
    )
