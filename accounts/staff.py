"""What staff do to other people's accounts, each asking the authority rule first.

Every change is audited with the administrator as actor and the account as subject, so the
log never records a staff member's change as the user's own; where a way of proving who
someone is changed (the office phone), the user is told.

Raising someone's privileges (staff status, superuser) waits for no reset job: it is refused
while a job holds a lease on the account (accounts.resets), taken under the same row lock,
so a target promoted between a job's authority check and its directory write cannot happen.
Groups and permissions are not guarded: the rule reads only the target's staff and superuser
flags (accounts.authority.refusal), and those two are what a job's check relied on.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .audit import record_event
from .authority import Refusal, manageable, record_refusal, refusal
from .directory import directory
from .models import AdminResetJobItem, AuditEvent, User
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


def promotion_refusal(stored: User, *, is_staff: bool, is_superuser: bool) -> Refusal | None:
    """RESET_RUNNING if these flags raise `stored`'s privileges while a reset job holds a
    lease on it; else None. Asked under `stored`'s row lock by whatever saves the flags."""
    raises = (is_staff and not stored.is_staff) or (is_superuser and not stored.is_superuser)
    if raises and AdminResetJobItem.objects.filter(user=stored,
                                                   lease_until__gt=timezone.now()).exists():
        return Refusal.RESET_RUNNING
    return None


def save_account(*, actor: User, user: User, changed: list[str],
                 request: HttpRequest | None = None) -> None:
    """Save an administrator's edit of `user` through the admin's form, audited.

    The rule is asked of the account as stored and as edited, so nobody gains authority
    over an account by promoting or demoting it in the same edit; a promotion waits for a
    running reset of the account (promotion_refusal).
    """
    with transaction.atomic():
        stored = User.objects.select_for_update().filter(pk=user.pk).first()
        reason = _edit_refusal(actor, stored, user)
        if reason is None:
            _save_edit(actor=actor, user=user, stored=stored, changed=changed, request=request)
        else:
            # Committed with nothing else: the refusal stays in the log.
            record_refusal(actor=actor, target=stored or user, action="change_account",
                           reason=reason, request=request, details={"fields": changed})
    if reason is not None:
        raise ChangeRefused(reason)


def _save_edit(*, actor: User, user: User, stored: User | None, changed: list[str],
               request: HttpRequest | None) -> None:
    user.save()
    fields = [f for f in changed if f in SECURITY_FIELDS]
    if stored is None or not fields:
        return
    details = {f: getattr(user, f) for f in fields if isinstance(getattr(user, f), bool)}
    record_event(type=AuditEvent.Type.ACCOUNT_CHANGED_BY_ADMIN, request=request, actor=actor,
                 subject=user, details={"fields": fields, **details})
    if "office_phone" in fields:
        _office_phone_changed(actor=actor, user=user, request=request)


def _edit_refusal(actor: User, stored: User | None, edited: User) -> Refusal | None:
    for state in (stored, edited):
        if state is not None and (reason := refusal(actor, state)) is not None:
            return reason
    if stored is None:
        return None
    return promotion_refusal(stored, is_staff=edited.is_staff, is_superuser=edited.is_superuser)


def _office_phone_changed(*, actor: User, user: User, request: HttpRequest | None) -> None:
    """The office phone is a reset gate: its change is a method change the user is told of."""
    type = (AuditEvent.Type.METHOD_REGISTERED if user.office_phone
            else AuditEvent.Type.METHOD_REMOVED)
    event = record_event(type=type, request=request, actor=actor, subject=user,
                         details={"method": "office_phone"})
    queue_notice(event=event)
