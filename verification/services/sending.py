"""Sending and checking codes: the limits, the queue, the audit trail."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import record_event
from accounts.delivery import enqueue
from accounts.messages import queue_staff_alert
from accounts.models import AuditEvent, User
from accounts.network import client_ip as request_ip
from accounts.services import remember_language

from .. import codes, limits
from ..models import PhoneBudgetAlert, VerificationCode
from ..tasks import deliver_code

logger = logging.getLogger(__name__)

Purpose = VerificationCode.Purpose


class CodeNotSent(Exception):
    """A limit of SPEC 6.1 refused the code; `message` says so to the person."""

    def __init__(self, refusal: limits.Refusal) -> None:
        super().__init__(refusal.reason)
        self.reason, self.message = refusal.reason, refusal.message


def send_code(*, user: User, purpose: str, channel: str, destination: str,
              request: HttpRequest | None = None, client_ip: str | None = None,
              reset_attempt: str = "", language: str | None = None) -> VerificationCode:
    """Record a code message to `destination` and queue it; the worker makes the code.

    Raises CodeNotSent when a limit refuses it. A new code replaces the person's previous
    codes for the same purpose, reset attempt and kind of channel. The message is in the
    person's language, which `language` (else the page's) has just set on the account.
    Outside a request (the reset wizard's worker task) `client_ip` says who asked.
    """
    ip = request_ip(request) if request is not None else client_ip
    remember_language(user=user, language=language or getattr(request, "LANGUAGE_CODE", None))
    language = user.language
    same_scope = codes.scope(user=user, purpose=purpose, kind=codes.kind_of(channel),
                             reset_attempt=reset_attempt)
    with transaction.atomic():
        # One send per account at a time, so the counted limits cannot be raced past. No key
        # update: a code check's audit row (a foreign key to the user) must not wait on this
        # lock while this request waits on the code row that check holds (a deadlock).
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        refusal = limits.refusal_for(user=user, channel=channel, destination=destination,
                                     client_ip=ip, same_scope=same_scope)
        if refusal is None:
            row = _record_code(user=user, purpose=purpose, channel=channel, ip=ip,
                               destination=destination, reset_attempt=reset_attempt,
                               language=language, same_scope=same_scope)
        record_event(
            type=AuditEvent.Type.CODE_SENT, request=request, subject=user,
            outcome=AuditEvent.Outcome.FAILURE if refusal else AuditEvent.Outcome.SUCCESS,
            details={"channel": channel, "purpose": purpose,
                     **({"refused": refusal.reason} if refusal else {"code_id": row.pk})},
        )
        if channel in codes.PHONE_CHANNELS and (refusal is limits.BUDGET or refusal is None):
            _alert_if_phone_budget_spent()
    if refusal is not None:
        raise CodeNotSent(refusal)
    return row


def _record_code(*, user: User, purpose: str, channel: str, destination: str,
                 reset_attempt: str, language: str, ip: str | None,
                 same_scope: QuerySet) -> VerificationCode:
    now = timezone.now()
    same_scope.filter(used_at=None, replaced_at=None).update(replaced_at=now)
    row = VerificationCode.objects.create(
        user=user, purpose=purpose, channel=channel, destination=destination,
        reset_attempt=reset_attempt, language=language, client_ip=ip, created_at=now,
        expires_at=now + timedelta(seconds=settings.SSPR_CODE_LIFETIME_SECONDS),
    )
    transaction.on_commit(partial(enqueue, deliver_code, row.pk))
    return row


def _alert_if_phone_budget_spent() -> None:
    spent = limits.phone_messages_last_hour()
    if spent < settings.SSPR_PHONE_HOURLY_BUDGET:
        return
    if PhoneBudgetAlert.objects.filter(created_at__gt=timezone.now() - limits.HOUR).exists():
        return
    PhoneBudgetAlert.objects.create(messages_last_hour=spent)
    logger.error("phone budget spent: texts and calls switched off",
                 extra={"messages_last_hour": spent})
    queue_staff_alert(template="phone_budget_alert",
                      context={"alert": {"messages_last_hour": spent},
                               "budget": settings.SSPR_PHONE_HOURLY_BUDGET})


def verify_code(*, user: User, purpose: str, kind: str, code: str,
                request: HttpRequest | None = None, reset_attempt: str = "") -> codes.Check:
    """Check a typed code against the person's current code for `purpose` and `kind`."""
    with transaction.atomic():
        result = codes.check(codes=codes.scope(user=user, purpose=purpose, kind=kind,
                                               reset_attempt=reset_attempt), typed=code)
        if not result.accepted:
            record_event(type=AuditEvent.Type.CODE_REJECTED, outcome=AuditEvent.Outcome.FAILURE,
                         # The reset wizard's stand-in (primary key 0) has no row to name.
                         request=request, subject=user if user.pk else None,
                         details={"purpose": purpose, "kind": kind,
                                  "result": result.result.value,
                                  "code_id": result.code.pk if result.code else None})
    return result


def tries_left(check: codes.Check) -> int:
    if check.code is None:
        return 0
    return max(0, settings.SSPR_CODE_MAX_TRIES - check.code.failed_tries)


def pending_registration(*, user: User, kind: str) -> VerificationCode | None:
    """The newest code sent to register a `kind` method, to show where it went."""
    return (codes.scope(user=user, purpose=Purpose.REGISTRATION, kind=kind)
            .filter(used_at=None, replaced_at=None).order_by("-created_at", "-id").first())


def resend_registration_code(*, user: User, kind: str, request: HttpRequest) -> VerificationCode:
    """Send a fresh code to where the last registration code for `kind` went."""
    last = (codes.scope(user=user, purpose=Purpose.REGISTRATION, kind=kind)
            .order_by("-created_at", "-id").first())
    if last is None:
        raise VerificationCode.DoesNotExist
    return send_code(user=user, purpose=Purpose.REGISTRATION, channel=last.channel,
                     destination=last.destination, request=request)


