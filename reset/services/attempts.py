"""Starting, loading and moving reset attempts, and the per-account limits (SPEC 2, 6.1)."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, JSONObject
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import new_support_code, record_event
from accounts.directory import find_user
from accounts.models import AuditEvent, ResetPolicy, User
from accounts.models.user import normalise_identifier
from sspr.statements import Param, Statement, columns, instance, per_record
from verification import services as verification

from ..models import ResetAttempt, ResetBlock, StandIn

SESSION_KEY = "reset.attempt"
Step, Eligibility = ResetAttempt.Step, ResetAttempt.Eligibility
HOUR = timedelta(hours=1)

# Where an ineligible ID stops when the policy lets the wizard show account state (SPEC 2.2).
SHOWN_STEPS = {
    Eligibility.NOT_FOUND: Step.NOT_FOUND,
    Eligibility.INACTIVE: Step.NOT_ENABLED,
    Eligibility.NOT_ENABLED: Step.NOT_ENABLED,
    Eligibility.NOT_REGISTERED: Step.NOT_REGISTERED,
    Eligibility.MANAGED_ELSEWHERE: Step.MANAGED_ELSEWHERE,
}


def eligibility(user: User | None, facts: dict, policy: ResetPolicy) -> str:
    """Why `user` may or may not reset their password here; `facts` as `_account_facts`
    reads them."""
    if user is None:
        return Eligibility.NOT_FOUND
    if not user.is_active:
        return Eligibility.INACTIVE
    if user.password_managed_elsewhere:
        return Eligibility.MANAGED_ELSEWHERE
    enabled = policy.enabled_for == ResetPolicy.EnabledFor.ALL or (
        policy.enabled_for == ResetPolicy.EnabledFor.GROUP and facts.get("in_group", False))
    if not enabled:
        return Eligibility.NOT_ENABLED
    counted = sum(1 for name, counts in facts.items() if name.startswith("counts_") and counts)
    if counted < verification.methods_required(user, policy):
        return Eligibility.NOT_REGISTERED
    return Eligibility.ELIGIBLE


def _account_facts(account: Param, policy: ResetPolicy) -> Subquery:
    """Group membership and counted methods of the `account` (none for the stand-in), as one
    subquery of a JSON object, so that `_start_counts` reads them in its own statement."""
    in_group = User.groups.through.objects.filter(user_id=OuterRef("pk"),
                                                  group_id=policy.enabled_group_id)
    facts = {**verification.counted_flags(policy), "in_group": Exists(in_group)}
    person = verification.users_with_answer_counts().filter(pk=account)
    return Subquery(person.values(facts=JSONObject(**facts))[:1])


def subject_of(attempt: ResetAttempt) -> User:
    """Whom the gates check: the eligible account, or else the attempt's stand-in.

    Every ID that may not reset here (unknown, disabled, not enabled, not registered,
    managed elsewhere) is carried through the gates by a stand-in, so that the same code
    runs for it as for a person; it can never pass (SPEC 2.2, 8.1).
    """
    if attempt.eligibility == Eligibility.ELIGIBLE:
        return attempt.user
    return StandIn.for_key(attempt.key)


def start_reset(*, request: HttpRequest, identifier: str, mode: str) -> ResetAttempt:
    """Begin an attempt for whatever ID was typed, known or not, and remember it in the session.

    Every ID takes the same path here: the same queries, no hashing, no sending (SPEC 8.1).
    What differs is kept in the row and decides only whether a gate can ever be passed,
    or, when the policy shows account state, where the attempt ends.
    """
    policy = ResetPolicy.current()
    key = normalise_identifier(identifier)[:254]
    user = find_user(identifier)
    subject = user or StandIn.for_key(key)
    now = timezone.now()
    with transaction.atomic():
        counts = _start_counts(key=key, now=now, account=subject.pk, policy=policy)
        state = eligibility(user, counts.facts or {}, policy)
        attempt = ResetAttempt(
            user=user, key=key, mode=mode, eligibility=state,
            gates_required=verification.methods_required(
                subject if state == Eligibility.ELIGIBLE else StandIn.for_key(key), policy),
            support_code=new_support_code(), created_at=now,
            expires_at=now + timedelta(seconds=settings.SSPR_RESET_ATTEMPT_SECONDS),
        )
        attempt.step = _first_step(attempt, policy, counts)
        attempt.save()
        record_event(type=AuditEvent.Type.RESET_STARTED, request=request, subject=user,
                     identifier=identifier, support_code=attempt.support_code,
                     details={"mode": mode, "eligibility": attempt.eligibility})
        if attempt.step != Step.BLOCKED and counts.starts >= settings.SSPR_RESET_STARTS_PER_HOUR:
            block(attempt=attempt, request=request, reason="starts")
    request.session[SESSION_KEY] = str(attempt.pk)
    rotate_session(request)
    return attempt


def rotate_session(request: HttpRequest) -> None:
    """Give the session a new key, keeping its data, whenever the attempt gains ground.

    A session cookie planted in the person's browser (session fixation, OWASP; cookie
    tossing from a sibling domain) is then worth nothing: the key it knows no longer exists.
    A session with no key yet (none sent, or one the store does not know) gets a fresh key
    when it is first saved, so there is nothing to rotate.
    """
    if request.session.session_key is not None:
        request.session.cycle_key()


def _first_step(attempt: ResetAttempt, policy: ResetPolicy, counts: "StartCounts") -> str:
    if counts.blocked:
        return Step.BLOCKED
    if policy.show_account_state and attempt.eligibility != Eligibility.ELIGIBLE:
        return SHOWN_STEPS[attempt.eligibility]
    return Step.VERIFY


def current_attempt(request: HttpRequest) -> ResetAttempt | None:
    """The live attempt of this session, or None when there is none or it has expired."""
    attempt_id = request.session.get(SESSION_KEY)
    if not attempt_id:
        return None
    attempt = _read_attempt(attempt_id)
    if attempt is None or (attempt.is_expired and attempt.step != Step.DONE):
        request.session.pop(SESSION_KEY, None)
        return None
    return attempt


# Every wizard page reads its attempt with the account: one statement, compiled once.
_ATTEMPT = Statement(lambda: ResetAttempt.objects.filter(pk=Param("pk", ResetAttempt._meta.pk))
                     .values_list(*columns(ResetAttempt), *columns(User, "user__")))


def _read_attempt(attempt_id: str) -> ResetAttempt | None:
    """The attempt with its account, as `select_related("user").get()` reads them."""
    rows = _ATTEMPT.rows(pk=attempt_id)
    return _with_account(rows[0])[0] if rows else None


def _with_account(row: list) -> tuple[ResetAttempt, list]:
    """The attempt and its account from a row of both tables' `columns`, and what follows.

    The account's columns are made into a user for every attempt, those of an unknown ID
    (all NULL) too, which then has none: reading the row is the same work for every ID.
    """
    own = len(ResetAttempt._meta.concrete_fields)
    end = own + len(User._meta.concrete_fields)
    attempt = instance(ResetAttempt, row[:own])
    user = instance(User, row[own:end])
    ResetAttempt.user.field.set_cached_value(attempt, user if attempt.user_id is not None else None)
    return attempt, row[end:]


def locked(attempt: ResetAttempt) -> ResetAttempt:
    """Re-read `attempt` with its row locked; call inside a transaction."""
    return (ResetAttempt.objects.select_for_update(of=("self",)).select_related("user")
            .get(pk=attempt.pk))


def locked_with_counts(attempt: ResetAttempt) -> tuple[ResetAttempt, "GateCounts"]:
    """Re-read `attempt` with its row locked, and what a gate's limits count, in the same
    statement.

    The counts include the attempt as it was before this request changes it (a gate it
    fails now adds to them if `attempt_counted`). Call inside a transaction.
    """
    row = _LOCKED.rows(pk=attempt.pk, key=attempt.key, hour_ago=timezone.now() - HOUR,
                       account=subject_of(attempt).pk)[0]
    locked_attempt, (failed, account_failed, counted_here) = _with_account(row)
    return locked_attempt, GateCounts(failed_gates=failed, account_failed_gates=account_failed,
                                      attempt_counted=counted_here)


def _locked_with_counts() -> QuerySet:
    key = Param("key", ResetAttempt._meta.get_field("key"))
    hour_ago = Param("hour_ago", ResetAttempt._meta.get_field("created_at"))
    since = _since_last_reset(key, hour_ago)
    # The failed gates of the account itself, over all its IDs, for the stand-in too
    # (primary key 0, no rows): a gate is not passed beyond that limit, which only someone
    # who could pass it would ever notice (SPEC 6.1, 8.1).
    of_account = ResetAttempt.objects.filter(user_id=Param("account", User._meta.pk),
                                             created_at__gt=hour_ago)
    return (ResetAttempt.objects.select_for_update(of=("self",))
            .filter(pk=Param("pk", ResetAttempt._meta.pk))
            .annotate(failed=Coalesce(_total(_typed(key, since), Sum("failed_gates")), 0),
                      account_failed=Coalesce(_total(of_account, Sum("failed_gates")), 0),
                      counted_here=ExpressionWrapper(Q(created_at__gt=since),
                                                     output_field=BooleanField()))
            .values_list(*columns(ResetAttempt), *columns(User, "user__"), "failed",
                         "account_failed", "counted_here"))


# A gate's check runs it on every try: compiled once (inside the caller's transaction).
_LOCKED = Statement(_locked_with_counts)


@dataclass(frozen=True)
class StartCounts:
    """What starting an attempt reads: whether the typed ID is blocked, its starts since its
    last successful reset (SPEC 6.1), and the account's facts (`_account_facts`)."""

    blocked: bool
    starts: int
    facts: dict | None


@dataclass(frozen=True)
class GateCounts:
    """What a gate's limits count (SPEC 6.1): the typed ID's failed gates since its last
    successful reset, and the account's over all its IDs in the last hour."""

    failed_gates: int
    account_failed_gates: int
    # Whether the attempt they were read with is among the typed ID's rows: it is, unless
    # a reset of that ID was finished after it began.
    attempt_counted: bool


def _since_last_reset(key: str | Param, hour_ago: Value | Param) -> Greatest:
    """Since when the typed ID `key` is counted: `hour_ago`, or its last successful reset
    if that came later.

    Every limit is keyed on the normalised typed ID, whatever it resolves to, so that no
    sequence of starts blocks a real ID where it would not block an unknown one (an
    account reached by its username and by its email is two IDs here).
    """
    done = (ResetAttempt.objects.filter(key=key, step=Step.DONE)
            .order_by("-finished_at").values("finished_at")[:1])
    return Greatest(Coalesce(Subquery(done), hour_ago), hour_ago)


def _typed(key: str | Param, since: Greatest) -> QuerySet[ResetAttempt]:
    """The attempts the typed ID's limits count."""
    return ResetAttempt.objects.filter(key=key, created_at__gt=since)


def _total(rows: QuerySet, aggregate) -> Subquery:
    """`aggregate` over `rows`, as a subquery of one value."""
    return Subquery(_aggregated(rows).annotate(total=aggregate).values("total"))


def _aggregated(rows: QuerySet) -> QuerySet:
    # Aggregates over the rows with no GROUP BY (the constant groups nothing): one row even
    # when no row counts, which carries any other expression asked for too.
    return rows.values(everything=Value(1))


def _start_counts(*, key: str, now, account: int, policy: ResetPolicy) -> StartCounts:
    """The typed ID's block and starts, and the `account`'s facts (`_account_facts`), read in
    one statement, the same for every ID."""
    row = _start_statement(policy).row(key=key, now=now, hour_ago=now - HOUR, account=account)
    return StartCounts(blocked=row["blocked"], starts=row["starts"], facts=row["facts"])


@per_record
def _start_statement(policy: ResetPolicy) -> QuerySet:
    """`_start_counts`'s query, compiled once per policy (which methods count and which group
    may reset shape its facts): building it cost more than all of identify's other work."""
    key = Param("key", ResetAttempt._meta.get_field("key"))
    hour_ago = Param("hour_ago", ResetAttempt._meta.get_field("created_at"))
    blocked = Exists(ResetBlock.objects.filter(
        key=key, until__gt=Param("now", ResetBlock._meta.get_field("until"))))
    facts = _account_facts(Param("account", User._meta.pk), policy)
    return (_aggregated(_typed(key, _since_last_reset(key, hour_ago)))
            .annotate(starts=Count("pk"), blocked=blocked, facts=facts)
            .values("starts", "blocked", "facts"))


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
