"""Starting, loading and moving reset attempts, and the per-account limits (SPEC 2, 6.1)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import new_support_code, record_event
from accounts.lockout import lockout_key
from accounts.models import AuditEvent, ResetPolicy, User
from verification import services as verification

from ..models import ResetAttempt, ResetBlock

SESSION_KEY = "reset.attempt"
Step, Eligibility = ResetAttempt.Step, ResetAttempt.Eligibility

# Where an ineligible ID stops when the policy lets the wizard show account state (SPEC 2.2).
SHOWN_STEPS = {
    Eligibility.NOT_FOUND: Step.NOT_FOUND,
    Eligibility.INACTIVE: Step.NOT_ENABLED,
    Eligibility.NOT_ENABLED: Step.NOT_ENABLED,
    Eligibility.NOT_REGISTERED: Step.NOT_REGISTERED,
    Eligibility.MANAGED_ELSEWHERE: Step.MANAGED_ELSEWHERE,
}


def eligibility(user: User | None, policy: ResetPolicy) -> str:
    """Why `user` may or may not reset their password here."""
    if user is None:
        return Eligibility.NOT_FOUND
    if not user.is_active:
        return Eligibility.INACTIVE
    if user.password_managed_elsewhere:
        return Eligibility.MANAGED_ELSEWHERE
    enabled = policy.enabled_for == ResetPolicy.EnabledFor.ALL or (
        policy.enabled_for == ResetPolicy.EnabledFor.GROUP
        and policy.enabled_group_id is not None
        and user.groups.filter(pk=policy.enabled_group_id).exists()
    )
    if not enabled:
        return Eligibility.NOT_ENABLED
    if not verification.is_registered(user, policy):
        return Eligibility.NOT_REGISTERED
    return Eligibility.ELIGIBLE


def start_reset(*, request: HttpRequest, identifier: str, mode: str) -> ResetAttempt:
    """Begin an attempt for whatever ID was typed, known or not, and remember it in the session.

    Unknown and known IDs take the same path here: same queries, no hashing, no sending
    (SPEC 8.1). What differs is kept in the row and decides only where the attempt ends.
    """
    policy = ResetPolicy.current()
    user = User.objects.get_by_identifier(identifier)
    key = lockout_key(user.username if user else identifier)
    now = timezone.now()
    attempt = ResetAttempt(
        user=user, key=key, mode=mode, eligibility=eligibility(user, policy),
        gates_required=(verification.methods_required(user, policy) if user
                        else policy.methods_required),
        support_code=new_support_code(), created_at=now,
        expires_at=now + timedelta(seconds=settings.SSPR_RESET_ATTEMPT_SECONDS),
    )
    with transaction.atomic():
        attempt.step = _first_step(attempt, policy)
        attempt.save()
        record_event(type=AuditEvent.Type.RESET_STARTED, request=request, subject=user,
                     identifier=identifier, support_code=attempt.support_code,
                     details={"mode": mode, "eligibility": attempt.eligibility})
        if _too_many_starts(key, now):
            block(attempt=attempt, request=request, reason="starts")
    request.session[SESSION_KEY] = str(attempt.pk)
    rotate_session(request)
    return attempt


def rotate_session(request: HttpRequest) -> None:
    """Give the session a new key, keeping its data, whenever the attempt gains ground.

    A session cookie planted in the person's browser (session fixation, OWASP; cookie
    tossing from a sibling domain) is then worth nothing: the key it knows no longer exists.
    """
    request.session.cycle_key()


def _first_step(attempt: ResetAttempt, policy: ResetPolicy) -> str:
    if is_blocked(attempt.key):
        return Step.BLOCKED
    if policy.show_account_state and attempt.eligibility != Eligibility.ELIGIBLE:
        return SHOWN_STEPS[attempt.eligibility]
    return Step.VERIFY


def current_attempt(request: HttpRequest) -> ResetAttempt | None:
    """The live attempt of this session, or None when there is none or it has expired."""
    attempt_id = request.session.get(SESSION_KEY)
    if not attempt_id:
        return None
    attempt = ResetAttempt.objects.select_related("user").filter(pk=attempt_id).first()
    if attempt is None or (attempt.is_expired and attempt.step != Step.DONE):
        request.session.pop(SESSION_KEY, None)
        return None
    return attempt


def locked(attempt: ResetAttempt) -> ResetAttempt:
    """Re-read `attempt` with its row locked; call inside a transaction."""
    return (ResetAttempt.objects.select_for_update(of=("self",)).select_related("user")
            .get(pk=attempt.pk))


def is_blocked(key: str) -> bool:
    return ResetBlock.objects.filter(key=key, until__gt=timezone.now()).exists()


def _since_last_success(key: str, now):
    """Counting starts an hour ago, or at the last successful reset if that came later."""
    last_done = (ResetAttempt.objects.filter(key=key, step=Step.DONE)
                 .aggregate(at=Max("finished_at"))["at"])
    hour_ago = now - timedelta(hours=1)
    return max(hour_ago, last_done) if last_done else hour_ago


def _too_many_starts(key: str, now) -> bool:
    since = _since_last_success(key, now)
    started = ResetAttempt.objects.filter(key=key, created_at__gt=since).count()
    return started > settings.SSPR_RESET_STARTS_PER_HOUR


def too_many_failed_gates(key: str) -> bool:
    since = _since_last_success(key, timezone.now())
    failed = (ResetAttempt.objects.filter(key=key, created_at__gt=since)
              .aggregate(n=Sum("failed_gates"))["n"] or 0)
    return failed >= settings.SSPR_RESET_FAILED_GATES_PER_HOUR


def block(*, attempt: ResetAttempt, request: HttpRequest, reason: str) -> None:
    """Refuse self-service reset for the attempt's account for SSPR_RESET_BLOCK_SECONDS."""
    until = timezone.now() + timedelta(seconds=settings.SSPR_RESET_BLOCK_SECONDS)
    ResetBlock.objects.update_or_create(key=attempt.key, defaults={"until": until})
    attempt.step = Step.BLOCKED
    attempt.save(update_fields=["step"])
    record_event(type=AuditEvent.Type.ATTEMPT_BLOCKED, outcome=AuditEvent.Outcome.FAILURE,
                 request=request, subject=attempt.user, identifier=attempt.key,
                 support_code=attempt.support_code, details={"reason": reason})


def end_unverified(*, attempt: ResetAttempt, request: HttpRequest) -> None:
    """Stop the attempt on the neutral "We couldn't verify your account" page."""
    with transaction.atomic():
        attempt = locked(attempt)
        if attempt.step == Step.VERIFY:
            attempt.step = Step.UNVERIFIED
            attempt.save(update_fields=["step"])
