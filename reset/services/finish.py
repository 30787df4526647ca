"""How an attempt ends: a new password, an unlocked account, or a word to the helpdesk."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import record_event
from accounts.lockout import clear_lockout
from accounts.models import AuditEvent, ResetPolicy
from accounts.services import remember_language, set_new_password, unlock_account
from verification.services import enqueue

from ..models import ResetAttempt
from ..tasks import send_admin_reset_alert, send_helpdesk_request
from .attempts import locked

Step, Mode, Eligibility = ResetAttempt.Step, ResetAttempt.Mode, ResetAttempt.Eligibility


def gates_complete(*, attempt: ResetAttempt, request: HttpRequest) -> None:
    """Every gate passed: go on to the new password, unlock, or stop on the neutral page.

    Only an eligible account gets further; any other ID that got this far (an account whose
    password lives elsewhere but which has an authenticator, say) still learns nothing.
    Runs with the attempt locked, so the unlock itself waits for finish_unlock: the
    directory is never called inside a transaction.
    """
    if attempt.eligibility != Eligibility.ELIGIBLE:
        attempt.step = Step.UNVERIFIED
    elif attempt.mode == Mode.UNLOCK:
        attempt.step = Step.UNLOCK
    else:
        attempt.step = Step.NEW_PASSWORD
    attempt.save()


@contextmanager
def _claimed(attempt: ResetAttempt, step: str) -> Iterator[bool]:
    """Whether this request alone may finish the attempt at `step`; released if it fails.

    The claim (finished_at set while the step stays) is one UPDATE, not a lock held while
    the directory is called: a parallel request finds it taken and does nothing, and a
    refusal or an outage gives it back, so the attempt is not spent.
    """
    claimed = ResetAttempt.objects.filter(pk=attempt.pk, step=step, finished_at=None).update(
        finished_at=timezone.now())
    try:
        yield bool(claimed)
    except BaseException:
        if claimed:
            ResetAttempt.objects.filter(pk=attempt.pk, step=step).update(finished_at=None)
        raise


def finish_unlock(*, attempt: ResetAttempt, request: HttpRequest) -> None:
    """Clear the lockout in the directory, then the portal's; the attempt is done.

    If the directory cannot be reached the attempt stays at this step and can try again.
    """
    with _claimed(attempt, Step.UNLOCK) as mine:
        if not mine:
            return
        remember_language(user=attempt.user, language=request.LANGUAGE_CODE)
        unlock_account(user=attempt.user, actor=attempt.user, request=request,
                       support_code=attempt.support_code, details={"via": "self-service"},
                       notify=ResetPolicy.current().notify_user_on_reset)
        ResetAttempt.objects.filter(pk=attempt.pk).update(step=Step.DONE)


def finish_reset(*, attempt: ResetAttempt, request: HttpRequest, password: str) -> None:
    """Set the new password; the account is unlocked and every session of the user ends.

    The directory is written first, outside any transaction; a refusal or an outage leaves
    the attempt at this step, unspent. There is no automatic sign-in (SPEC 2.5): whoever
    reached this page proved who they are, and signing in with the new password proves it.
    """
    policy = ResetPolicy.current()
    # The instance the form checked the password on holds its hash: storing it costs nothing.
    user = attempt.user

    def finish(event: AuditEvent) -> None:
        clear_lockout(user)
        ResetAttempt.objects.filter(pk=attempt.pk).update(step=Step.DONE)
        if user.is_staff and policy.notify_admins_on_admin_reset:
            transaction.on_commit(lambda: enqueue(send_admin_reset_alert, event.pk))

    with _claimed(attempt, Step.NEW_PASSWORD) as mine:
        if mine:
            set_new_password(
                user=user, password=password, event_type=AuditEvent.Type.PASSWORD_RESET,
                request=request, actor=user, notify=policy.notify_user_on_reset,
                details={"via": "self-service", "methods": attempt.gates_passed},
                and_then=finish)


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
