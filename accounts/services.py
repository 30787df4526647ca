"""What happens to accounts: every state change and rule, with its audit event."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .audit import record_event
from .expiry import expires_at
from .models import AuditEvent, Notice, PasswordHistory, PasswordPolicy, User

logger = logging.getLogger(__name__)


def remember_language(*, user: User, language: str) -> None:
    """Keep the language the user last signed in with, for the emails we send them."""
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
) -> AuditEvent:
    """Give `user` a new password, end their sessions, audit it and queue the notice.

    All or nothing (SPEC 9): the hash, the history row, the flags, the audit event and the
    notice are one transaction. Every other session ends because Django ties a session to a
    hash of the password; the caller signs the current session out where it should end too.
    """
    policy = PasswordPolicy.current()
    now = timezone.now()
    with transaction.atomic():
        if user.has_usable_password():
            PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
            stale = PasswordHistory.objects.filter(user=user)[max(policy.history_count - 1, 0):]
            PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
        user.set_password(password)
        user.password_changed_at = now
        user.must_change_password = temporary
        user.temporary_password_expires_at = (
            now + timedelta(days=policy.temporary_password_days) if temporary else None
        )
        # Only the fields a password change owns: an administrator's concurrent change of,
        # say, the email or staff status must not be undone by this older copy of the row.
        user.save(update_fields=["password", "password_changed_at", "must_change_password",
                                 "temporary_password_expires_at"])
        event = record_event(type=event_type, request=request, actor=actor or user, subject=user,
                             details=details)
        if notify:
            queue_notice(event=event)
    return event


def change_password(*, request: HttpRequest, password: str) -> AuditEvent:
    """The signed-in user chose a new password, knowing the current one."""
    return set_new_password(user=request.user, password=password, request=request,
                            event_type=AuditEvent.Type.PASSWORD_CHANGED)


def queue_notice(*, event: AuditEvent) -> Notice:
    """Record that the subject of `event` must be told, and hand it to a worker on commit."""
    notice = Notice.objects.create(event=event)
    transaction.on_commit(lambda: enqueue_notice(notice.pk))
    return notice


def enqueue_notice(notice_id: int) -> None:
    from .tasks import send_security_notice

    try:
        send_security_notice.delay(notice_id)
    except BrokerError:
        # The notice row stays unsent; sweep_notices queues it again once the broker is back.
        logger.warning("broker unavailable; notice left for the sweep", extra={"notice": notice_id})


def must_change_password(user: User) -> bool:
    """Whether `user` may do nothing but choose a new password (SPEC 4)."""
    if user.must_change_password:
        return True
    expiry = expires_at(user)
    return expiry is not None and expiry <= timezone.now()


def sign_in_activity(user: User, *, limit: int = 20):
    """The user's recent sign-ins, failures and lockouts, newest first."""
    types = [AuditEvent.Type.SIGNED_IN, AuditEvent.Type.SIGN_IN_FAILED, AuditEvent.Type.LOCKED_OUT]
    return AuditEvent.objects.filter(subject=user, type__in=types)[:limit]


def set_password_from_link(*, request: HttpRequest, user: User, password: str) -> AuditEvent:
    """The user chose their password through an administrator's one-time link.

    The user picked it, so it is not temporary; the new hash also kills the link.
    """
    return set_new_password(user=user, password=password, request=request, actor=user,
                            event_type=AuditEvent.Type.PASSWORD_CHANGED,
                            details={"via": "admin_link"})
