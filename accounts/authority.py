"""Who may act on whose account: one rule, asked by every staff action, job and command.

A helpdesk account resets ordinary users and nothing more. As in Entra ID (a helpdesk
administrator cannot reset a Global Administrator) and Okta (only a super admin resets a
super admin), privilege is ordered: superusers are managed only by superusers, staff only by
superusers or holders of the separate permission `STAFF_PERMISSION`, and nobody acts on
their own account here (they change it from My account, knowing the current password).

The rule is asked when an action is requested and again when a background job reaches each
user, so a target promoted after the job was queued is still refused. Every refusal is
written to the audit log with actor and subject apart.
"""

from collections import Counter

from django.db.models import Q, QuerySet, TextChoices
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .audit import record_event
from .models import AuditEvent, User

STAFF_PERMISSION = "accounts.manage_staff_credentials"


class Refusal(TextChoices):
    """Why an actor may not act on a target; the value is what the audit log keeps."""

    NOT_STAFF = "not_staff", _("you are not an active administrator")
    OWN_ACCOUNT = "own_account", _("your own account is changed from My account")
    SUPERUSER = "superuser", _("only superusers manage superusers")
    STAFF = "staff", _("only superusers and holders of the permission to manage staff "
                       "credentials manage staff")
    PRIVILEGED_PASSWORD = "privileged_password", _(
        "staff never get a typed or emailed password")
    RESET_RUNNING = "reset_running", _(
        "a password reset of this account is running: its privileges can be raised once it "
        "is done, in a minute or two")


def refusal(actor: User, target: User) -> Refusal | None:
    """Return why `actor` may not manage `target`'s credentials, methods or flags; else None."""
    if not (actor.is_active and actor.is_staff):
        return Refusal.NOT_STAFF
    if actor.pk == target.pk:
        return Refusal.OWN_ACCOUNT
    if target.is_superuser and not actor.is_superuser:
        return Refusal.SUPERUSER
    if target.is_staff and not actor.has_perm(STAFF_PERMISSION):
        return Refusal.STAFF
    return None


def can_manage(actor: User, target: User) -> bool:
    """Whether `actor` may change `target`'s password, lockout, methods or security flags."""
    return refusal(actor, target) is None


def is_privileged(user: User) -> bool:
    return user.is_staff or user.is_superuser


def reset_refusal(actor: User, target: User, *, known_to_others: bool) -> Refusal | None:
    """The rule for a password reset, where `known_to_others` means typed or emailed.

    A privileged account never gets a password that someone typed or that travels by email
    to a third address: whoever knows it could use it as that administrator.
    """
    reason = refusal(actor, target)
    if reason is None and known_to_others and is_privileged(target):
        return Refusal.PRIVILEGED_PASSWORD
    return reason


def privileged_among(users: QuerySet[User]) -> QuerySet[User]:
    """The staff and superusers of `users`: apart from oneself, the only ones ever refused."""
    return users.filter(Q(is_staff=True) | Q(is_superuser=True))


def record_refusal(*, actor: User, target: User, action: str, reason: Refusal,
                   request: HttpRequest | None = None, details: dict | None = None) -> AuditEvent:
    """Audit one refused staff action on `target`: nothing about the target changed."""
    return record_event(
        type=AuditEvent.Type.ADMIN_ACTION_REFUSED, outcome=AuditEvent.Outcome.FAILURE,
        request=request, actor=actor, subject=target,
        details={"action": action, "reason": reason.value, **(details or {})},
    )


def manageable(*, actor: User, users: QuerySet[User], action: str,
               request: HttpRequest | None = None) -> tuple[QuerySet[User], Counter]:
    """Return those of `users` that `actor` may manage, and how many were refused and why.

    Only the actor and privileged users can be refused, so only those few rows are read;
    each refusal is audited.
    """
    suspects = users
    if actor.is_active and actor.is_staff:
        suspects = privileged_among(users) | users.filter(pk=actor.pk)
    refused_ids, reasons = [], Counter()
    for user in suspects:
        reason = refusal(actor, user)
        if reason is not None:
            record_refusal(actor=actor, target=user, action=action, reason=reason,
                           request=request)
            refused_ids.append(user.pk)
            reasons[reason] += 1
    return users.exclude(pk__in=refused_ids), reasons
