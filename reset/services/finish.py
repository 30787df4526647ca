"""How an attempt ends: a new password, an unlocked account, or a word to the helpdesk."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import record_event
from accounts.lockout import clear_lockout
from accounts.models import AuditEvent, ResetPolicy
from accounts.services import queue_notice, set_new_password
from verification.services import enqueue

from ..models import ResetAttempt
from ..tasks import send_admin_reset_alert, send_helpdesk_request
from .attempts import locked

Step, Mode, Eligibility = ResetAttempt.Step, ResetAttempt.Mode, ResetAttempt.Eligibility


def gates_complete(*, attempt: ResetAttempt, request: HttpRequest) -> None:
    """Every gate passed: go on to the new password, unlock, or stop on the neutral page.

    Only an eligible account gets further; any other ID that got this far (an account whose
    password lives elsewhere but which has an authenticator, say) still learns nothing.
    Runs with the attempt locked.
    """
    if attempt.eligibility != Eligibility.ELIGIBLE:
        attempt.step = Step.UNVERIFIED
    elif attempt.mode == Mode.UNLOCK:
        _unlock(attempt, request)
    else:
        attempt.step = Step.NEW_PASSWORD
    attempt.save()


def _unlock(attempt: ResetAttempt, request: HttpRequest) -> None:
    clear_lockout(attempt.user)
    event = record_event(type=AuditEvent.Type.ACCOUNT_UNLOCKED, request=request,
                         actor=attempt.user, subject=attempt.user,
                         support_code=attempt.support_code, details={"via": "self-service"})
    if ResetPolicy.current().notify_user_on_reset:
        queue_notice(event=event)
    attempt.step, attempt.finished_at = Step.DONE, timezone.now()


def finish_reset(*, attempt: ResetAttempt, request: HttpRequest, password: str) -> None:
    """Set the new password; the account is unlocked and every session of the user ends.

    There is no automatic sign-in (SPEC 2.5): whoever reached this page proved who they are,
    and signing in with the new password proves they know it.
    """
    policy = ResetPolicy.current()
    # The instance the form checked the password on holds its hash: storing it costs nothing.
    user = attempt.user
    with transaction.atomic():
        attempt = ResetAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.step != Step.NEW_PASSWORD:
            return
        event = set_new_password(
            user=user, password=password, event_type=AuditEvent.Type.PASSWORD_RESET,
            request=request, actor=user, notify=policy.notify_user_on_reset,
            details={"via": "self-service", "methods": attempt.gates_passed},
        )
        clear_lockout(user)
        attempt.step, attempt.finished_at = Step.DONE, timezone.now()
        attempt.save(update_fields=["step", "finished_at"])
        if user.is_staff and policy.notify_admins_on_admin_reset:
            transaction.on_commit(lambda: enqueue(send_admin_reset_alert, event.pk))


def contact_helpdesk(*, attempt: ResetAttempt, request: HttpRequest) -> None:
    """Tell the helpdesk who is stuck and why, under the attempt's support code.

    The page the person sees, and the work done for it, are the same whether or not the ID
    exists; the worker sends nothing for an unknown ID (SPEC 2.2, 8.1).
    """
    with transaction.atomic():
        attempt = locked(attempt)
        if attempt.helpdesk_contacted:
            return
        attempt.helpdesk_contacted = True
        attempt.save(update_fields=["helpdesk_contacted"])
        event = record_event(
            type=AuditEvent.Type.HELPDESK_CONTACTED, request=request, subject=attempt.user,
            identifier=attempt.key, support_code=attempt.support_code,
            details={"reason": attempt.eligibility, "step": attempt.step},
        )
        transaction.on_commit(lambda: enqueue(send_helpdesk_request, event.pk))
