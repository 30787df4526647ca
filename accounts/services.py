"""What happens to accounts: every state change and rule, with its audit event."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from sspr.statements import Param, Statement, columns, instance

from .audit import record_event
from .directory import DirectoryUnavailable, directory, is_locked
from .expiry import expires_at
from .lockout import clear_lockout
from .messages import queue_notice
from .models import AuditEvent, PasswordPolicy, User

logger = logging.getLogger(__name__)

# Times the portal's half of a new password is tried before a worker takes it over.
RECORD_TRIES = 3


def remember_language(*, user: User, language: str | None) -> None:
    """Keep the language of the person's latest visit: every message to them is in it.

    One rule for every message, so a journey never changes language half-way: signing in,
    a code sent from a page, a password set or an account unlocked by the person themself
    each record the page's language on the account, and the messages read it from there.
    """
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def set_new_password(
    *,
    user: User,
    password: str,
    event_type: AuditEvent.Type,
    request: HttpRequest | None = None,
    actor: User | None = None,
    temporary: bool = False,
    notify: bool = True,
    details: dict | None = None,
    old_password: str | None = None,
    and_then: Callable[[AuditEvent], None] | None = None,
) -> AuditEvent:
    """Give `user` a new password, end their sessions, audit it and queue the notice.

    All or nothing across two systems (SPEC 9): the directory is written first, outside any
    transaction; if it refuses or cannot be reached (DirectoryError) nothing here changes.
    Then the history row, the flags, the audit event and the notice are one transaction,
    retried if it fails (see record_new_password). With `old_password` it is the user's own
    change, checked by the directory. `and_then` runs inside the same transaction, for the
    caller's own records. Every other session ends because Django ties a session to a hash of
    the password; the caller signs the current session out where it should end.
    """
    previous = user.password
    if old_password is None:
        directory().set_password(user, password, must_change=temporary)
    else:
        directory().change_password(user, old_password, password)
    if not directory().keeps_password_hashes:
        # A fresh unusable value: the session hash changes, so every session ends.
        user.set_unusable_password()
    return record_new_password(
        user=user, previous=previous, event_type=event_type, request=request,
        actor=actor or user, temporary=temporary, notify=notify, details=details,
        and_then=and_then)


def record_new_password(*, user: User, previous: str, event_type: AuditEvent.Type,
                        request: HttpRequest | None, actor: User, temporary: bool, notify: bool,
                        details: dict | None,
                        and_then: Callable[[AuditEvent], None] | None = None) -> AuditEvent:
    """The portal's half of a new password, once the directory has it.

    A database error here must not leave the directory changed and the portal silent: the
    transaction is tried again, and if it still fails a worker takes it over and keeps trying
    (accounts.tasks.record_directory_password) while the error is logged.
    """
    for attempt in range(RECORD_TRIES):
        try:
            return save_new_password(user, previous, event_type, request, actor, temporary,
                                     notify, details, and_then)
        except DatabaseError:
            logger.warning("new password not recorded; trying again",
                           extra={"user": user.pk, "try": attempt + 1})
            time.sleep(0.2 * (attempt + 1))
    if directory().keeps_password_hashes:
        raise DirectoryUnavailable  # the portal is the directory: nothing was changed anywhere
    logger.error("new password set in the directory but not recorded; handed to a worker",
                 extra={"user": user.pk})
    from .tasks import record_directory_password

    record_directory_password.delay(
        user_id=user.pk, password=user.password, event_type=event_type, actor_id=actor.pk,
        temporary=temporary, notify=notify, details=details)
    raise DirectoryUnavailable


def save_new_password(user: User, previous: str, event_type: AuditEvent.Type,
                      request: HttpRequest | None, actor: User, temporary: bool, notify: bool,
                      details: dict | None,
                      and_then: Callable[[AuditEvent], None] | None = None) -> AuditEvent:
    """One transaction: the saved user row with its history and flags, the audit event, the
    notice."""
    policy = PasswordPolicy.current()
    now = timezone.now()
    with transaction.atomic():
        user.remember_password(previous, keep=policy.remembered_count)
        if actor == user:
            remember_language(user=user, language=getattr(request, "LANGUAGE_CODE", None))
        user.password_changed_at = now
        user.must_change_password = temporary
        user.temporary_password_expires_at = (
            now + timedelta(days=policy.temporary_password_days) if temporary else None
        )
        # Only the fields a password change owns: an administrator's concurrent change of,
        # say, the email or staff status must not be undone by this older copy of the row.
        user.save(update_fields=["password", "previous_passwords", "password_changed_at",
                                 "must_change_password", "temporary_password_expires_at"])
        event = record_event(type=event_type, request=request, actor=actor, subject=user,
                             details=details)
        if notify:
            queue_notice(event=event)
        if and_then is not None:
            and_then(event)
    return event


def change_password(*, request: HttpRequest, old_password: str, password: str) -> AuditEvent:
    """The signed-in user chose a new password, knowing the current one."""
    return set_new_password(user=request.user, password=password, request=request,
                            old_password=old_password,
                            event_type=AuditEvent.Type.PASSWORD_CHANGED)


def must_change_password(user: User) -> bool:
    """Whether `user` may do nothing but choose a new password (SPEC 4)."""
    if user.must_change_password:
        return True
    expiry = expires_at(user)
    return expiry is not None and expiry <= timezone.now()


# My account shows them on every visit: one statement, compiled once.
_ACTIVITY = Statement(lambda: AuditEvent.objects.filter(
    subject_id=Param("user", User._meta.pk),
    type__in=[AuditEvent.Type.SIGNED_IN, AuditEvent.Type.SIGN_IN_FAILED,
              AuditEvent.Type.LOCKED_OUT],
).values_list(*columns(AuditEvent))[:20])


def sign_in_activity(user: User) -> list[AuditEvent]:
    """The user's 20 most recent sign-ins, failures and lockouts, newest first."""
    return [instance(AuditEvent, row) for row in _ACTIVITY.rows(user=user.pk)]


def set_password_from_link(*, request: HttpRequest, user: User, password: str) -> AuditEvent:
    """The user chose their password through an administrator's one-time link.

    The user picked it, so it is not temporary; the new hash also kills the link.
    """
    return set_new_password(user=user, password=password, request=request, actor=user,
                            event_type=AuditEvent.Type.PASSWORD_CHANGED,
                            details={"via": "admin_link"})


def unlock_account(*, user: User, actor: User, request: HttpRequest | None = None,
                   only_if_locked: bool = False, details: dict | None = None,
                   support_code: str = "", notify: bool = False) -> AuditEvent | None:
    """Clear the directory's lockout of `user`, then the portal's, and audit it.

    The directory goes first and outside any transaction: if it cannot be reached nothing is
    recorded, and the person can try again.
    """
    if only_if_locked and not is_locked(user):
        return None
    directory().unlock(user)
    with transaction.atomic():
        clear_lockout(user)
        event = record_event(type=AuditEvent.Type.ACCOUNT_UNLOCKED, request=request, actor=actor,
                             subject=user, support_code=support_code, details=details)
        if notify:
            queue_notice(event=event)
    return event
