"""What staff do to other people's accounts, each asking the authority rule first.

Every change is audited with the administrator as actor and the account as subject, so the
log never records a staff member's change as the user's own; where a way of proving who
someone is changed (the office phone), the user is told.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from .audit import record_event
from .authority import manageable, record_refusal, refusal
from .directory import directory
from .models import AuditEvent, User
from .services import queue_notice, unlock_account

# The fields of an account whose change through the admin is a security event.
SECURITY_FIELDS = ["is_active", "is_staff", "is_superuser", "groups", "user_permissions",
                   "must_change_password", "password_never_expires",
                   "password_managed_elsewhere", "office_phone"]


@dataclass
class Outcome:
    """How many accounts a staff action changed, and how many it refused, by reason."""

    changed: int = 0
    refused: Counter = field(default_factory=Counter)


def unlock_accounts(*, actor: User, users: QuerySet[User],
                    request: HttpRequest | None = None) -> Outcome:
    """Clear the sign-in lockout, the directory's and the portal's, of each locked user in
    `users` that `actor` may manage."""
    allowed, refused = manageable(actor=actor, users=users, action="unlock", request=request)
    outcome = Outcome(refused=refused)
    for user in allowed:
        if unlock_account(user=user, actor=actor, request=request, only_if_locked=True,
                          notify=True):
            outcome.changed += 1
    return outcome


def force_password_change(*, actor: User, users: QuerySet[User],
                          request: HttpRequest | None = None) -> Outcome:
    """Make each of `users` that `actor` may manage choose a new password at next sign-in.

    The directory is told first, one user at a time and outside any transaction; a user is
    flagged here only once the directory has them flagged too.
    """
    allowed, refused = manageable(actor=actor, users=users, action="force_change",
                                  request=request)
    targets = list(allowed.filter(must_change_password=False))
    for user in targets:
        directory().require_change(user)
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(must_change_password=True)
            record_event(type=AuditEvent.Type.PASSWORD_CHANGE_FORCED, request=request,
                         actor=actor, subject=user)
    return Outcome(changed=len(targets), refused=refused)


def set_password_never_expires(*, actor: User, users: QuerySet[User], never_expires: bool,
                               request: HttpRequest | None = None) -> Outcome:
    """Exempt `users` from the expiration policy, or subject them to it again; audited."""
    with transaction.atomic():
        allowed, refused = manageable(actor=actor, users=users, action="never_expires",
                                      request=request)
        targets = list(allowed.exclude(password_never_expires=never_expires))
        User.objects.filter(pk__in=[u.pk for u in targets]).update(
            password_never_expires=never_expires)
        for user in targets:
            record_event(type=AuditEvent.Type.ACCOUNT_CHANGED_BY_ADMIN, request=request,
                         actor=actor, subject=user,
                         details={"password_never_expires": never_expires})
    return Outcome(changed=len(targets), refused=refused)


class ChangeRefused(PermissionError):
    """The actor may not change this account (accounts.authority); nothing was saved."""


def save_account(*, actor: User, user: User, changed: list[str],
                 request: HttpRequest | None = None) -> None:
    """Save an administrator's edit of `user` through the admin's form, audited.

    The rule is asked of the account as stored and as edited, so nobody gains authority
    over an account by promoting or demoting it in the same edit.
    """
    with transaction.atomic():
        stored = User.objects.select_for_update().filter(pk=user.pk).first()
        for state in (stored, user):
            reason = refusal(actor, state) if state is not None else None
            if reason is not None:
                record_refusal(actor=actor, target=stored or user, action="change_account",
                               reason=reason, request=request, details={"fields": changed})
                raise ChangeRefused(reason)
        user.save()
        fields = [f for f in changed if f in SECURITY_FIELDS]
        if stored is None or not fields:
            return
        details = {f: getattr(user, f) for f in fields if isinstance(getattr(user, f), bool)}
        record_event(type=AuditEvent.Type.ACCOUNT_CHANGED_BY_ADMIN, request=request, actor=actor,
                     subject=user, details={"fields": fields, **details})
        if "office_phone" in fields:
            _office_phone_changed(actor=actor, user=user, request=request)


def _office_phone_changed(*, actor: User, user: User, request: HttpRequest | None) -> None:
    """The office phone is a reset gate: its change is a method change the user is told of."""
    type = (AuditEvent.Type.METHOD_REGISTERED if user.office_phone
            else AuditEvent.Type.METHOD_REMOVED)
    event = record_event(type=type, request=request, actor=actor, subject=user,
                         details={"method": "office_phone"})
    queue_notice(event=event)
