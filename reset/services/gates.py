"""The gates of the wizard: which methods are offered, sending codes, checking what is typed.

In protected mode (the default) every ID is offered every method the policy enables, and
every gate runs the same code for every ID: an ID that is not an eligible account is checked
against its stand-in (`attempts.subject_of`), whose queries find no rows, so the queries,
hashing and writes are the same and only the data differs. Whether a typed number or address
matches is decided by the worker, never in the request (SPEC 2.2, 2.3, 8.1).
"""

import hmac
import math
import random
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import AuditEvent, ResetPolicy, User
from accounts.network import client_ip
from verification import services as verification
from verification.destinations import normalise_email, normalise_phone, same_destination
from verification.models import ContactMethod, SecurityAnswer, SecurityQuestion, VerificationCode

from ..models import ResetAttempt
from ..tasks import send_reset_code
from .attempts import GateCounts, block, locked, locked_with_counts, rotate_session, subject_of
from .finish import gates_complete

Channel = VerificationCode.Channel

EMAIL, SMS, MOBILE_CALL, OFFICE_CALL, APP, QUESTIONS = (
    "email", "sms", "mobile_call", "office_call", "authenticator", "questions")
CODE_METHODS = {EMAIL: Channel.EMAIL, SMS: Channel.SMS, MOBILE_CALL: Channel.VOICE,
                OFFICE_CALL: Channel.VOICE}
# What each method proves possession of: a text and a call to one phone are one factor, so
# they cannot be the two gates of a two-gate reset.
FACTOR = {EMAIL: "email", SMS: "mobile", MOBILE_CALL: "mobile", OFFICE_CALL: "office",
          APP: "authenticator", QUESTIONS: "questions"}
LABELS = {
    EMAIL: _("Email my alternate email address"),
    SMS: _("Text my mobile phone"),
    MOBILE_CALL: _("Call my mobile phone"),
    OFFICE_CALL: _("Call my office phone"),
    APP: _("Enter a code from my authenticator app"),
    QUESTIONS: _("Answer my security questions"),
}


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    masked: str = ""  # shown only when the policy lets the wizard show account state

    @property
    def sends_code(self) -> bool:
        return self.key in CODE_METHODS

    @property
    def asks_phone(self) -> bool:
        return self.key in {SMS, MOBILE_CALL, OFFICE_CALL}


def offered_methods(attempt: ResetAttempt, policy: ResetPolicy | None = None) -> list[Method]:
    """The methods the attempt may use for its next gate."""
    policy = policy or ResetPolicy.current()
    used = {FACTOR[m] for m in attempt.gates_passed}
    enabled = [key for key in LABELS if _policy_allows(key, policy)]
    phone_ok = bool(verification.phone_channels()) or not any(
        k in enabled for k in (SMS, MOBILE_CALL, OFFICE_CALL))
    methods = [k for k in enabled if FACTOR[k] not in used
               and (phone_ok or k not in {SMS, MOBILE_CALL, OFFICE_CALL})]
    if not policy.show_account_state:
        return [Method(k, str(LABELS[k])) for k in methods]
    destinations = _registered_destinations(attempt)
    return [Method(k, str(LABELS[k]), destinations[k]) for k in methods if k in destinations]


def _policy_allows(key: str, policy: ResetPolicy) -> bool:
    allowed = {EMAIL: policy.allow_email, SMS: policy.allow_mobile_sms,
               MOBILE_CALL: policy.allow_mobile_call, OFFICE_CALL: policy.allow_office_call,
               APP: policy.allow_authenticator, QUESTIONS: policy.allow_security_questions}
    if key == QUESTIONS:
        # The policy's number decides, not the user's, so the list is the same for every ID.
        return verification.questions_can_count(policy)
    return allowed[key]


def _registered_destinations(attempt: ResetAttempt) -> dict[str, str]:
    """Masked destinations of the user's registered methods (show-account-state mode only)."""
    user = subject_of(attempt)
    registered = verification.registered_methods(user)
    contacts = registered_contacts(user)
    found = {}
    if verification.EMAIL in registered:
        found[EMAIL] = mask_email(contacts[EMAIL])
    if verification.PHONE in registered:
        found[SMS] = found[MOBILE_CALL] = mask_phone(contacts[SMS])
    if verification.OFFICE_PHONE in registered:
        found[OFFICE_CALL] = mask_phone(contacts[OFFICE_CALL])
    if verification.AUTHENTICATOR in registered:
        found[APP] = ""
    if verification.QUESTIONS in registered:
        found[QUESTIONS] = ""
    return found


def registered_contacts(user: User) -> dict[str, str]:
    """Code method → the registered destination of `user` (none for a stand-in)."""
    contacts = {c.kind: c.destination for c in ContactMethod.objects.filter(user=user)}
    found = {EMAIL: contacts.get(ContactMethod.Kind.EMAIL, "")}
    found[SMS] = found[MOBILE_CALL] = contacts.get(ContactMethod.Kind.PHONE, "")
    found[OFFICE_CALL] = user.office_phone.as_e164 if user.office_phone else ""
    return found


def mask_phone(number: str) -> str:
    return "*" * max(len(number) - 2, 0) + number[-2:]


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}****@{domain}"


def choose_method(*, attempt: ResetAttempt, method: str) -> bool:
    """Make `method` the gate being tried; False when it is not on offer.

    The questions drawn and the time of the last code stay with the attempt: choosing
    again draws nothing new and sends nothing sooner. One UPDATE of the columns it sets,
    which waits for any check holding the row's lock, as reading it under the lock first
    would, for one statement less.
    """
    if method not in {m.key for m in offered_methods(attempt)}:
        return False
    ResetAttempt.objects.filter(pk=attempt.pk).update(method=method, code_requested=False,
                                                      destination="")
    return True


def resend_wait(attempt: ResetAttempt) -> int:
    """Seconds until this attempt may ask for another code (0: now); the same for every ID."""
    if attempt.code_asked_at is None:
        return 0
    ready = attempt.code_asked_at + timedelta(seconds=settings.SSPR_CODE_RESEND_SECONDS)
    return max(0, math.ceil((ready - timezone.now()).total_seconds()))


def request_code(*, attempt: ResetAttempt, request: HttpRequest, typed: str | None = None) -> int:
    """Ask the worker to send a code for the attempt's method; return the seconds to wait.

    `typed` is the number or address the person gave (protected mode); without it, the
    destination given before for this gate is used again ("send a new code"), or in
    show-state mode the registered one. The request does the same for every ID and every
    destination: it records the normalised destination on the attempt and queues the task;
    whether it matches is decided there, so the time taken says nothing (SPEC 8.1). Within
    the attempt's cooldown nothing is queued and the wait is returned instead.
    """
    with transaction.atomic():
        attempt = locked(attempt)
        wait = resend_wait(attempt)
        if wait or attempt.method not in CODE_METHODS:
            return wait
        if typed is not None:
            attempt.destination = (normalise_email(typed) if attempt.method == EMAIL
                                   else normalise_phone(typed))
        attempt.code_requested, attempt.code_asked_at = True, timezone.now()
        attempt.save(update_fields=["destination", "code_requested", "code_asked_at"])
        transaction.on_commit(partial(verification.enqueue, send_reset_code, str(attempt.pk),
                                      client_ip(request), request.LANGUAGE_CODE))
    return 0


def send_code_if_registered(*, attempt_id: str, client_ip: str | None, language: str) -> None:
    """Send the code of an attempt's gate if the destination given is the registered one.

    Runs in the worker (see `request_code`). Only an eligible account's own, verified number
    or address is sent to; refusals by a limit are audited by send_code, never shown.
    """
    attempt = ResetAttempt.objects.select_related("user").filter(pk=attempt_id).first()
    if attempt is None or attempt.step != ResetAttempt.Step.VERIFY:
        return
    if attempt.method not in CODE_METHODS:
        return
    subject = subject_of(attempt)
    registered = registered_contacts(subject)[attempt.method]
    show = ResetPolicy.current().show_account_state
    if not registered or not (show or same_destination(attempt.destination, registered)):
        return
    with suppress(verification.CodeNotSent):
        verification.send_code(user=subject, purpose=VerificationCode.Purpose.RESET,
                               channel=CODE_METHODS[attempt.method], destination=registered,
                               client_ip=client_ip, reset_attempt=str(attempt.pk),
                               language=language)


@dataclass(frozen=True)
class Checked:
    """What checking what was typed at a gate did: whether the gate was passed, and the
    attempt as it stands after the check (read under the row lock, saved if changed)."""

    passed: bool
    attempt: ResetAttempt


def _at_gate(attempt: ResetAttempt, method: str) -> tuple[ResetAttempt, GateCounts, bool]:
    """The attempt, locked, its typed ID's counts, and whether it is still at the gate of
    `method`.

    Parallel requests all passed the view's check before the first of them changed the
    attempt; each must look again under the lock, or a gate could be counted twice.
    """
    attempt, counts = locked_with_counts(attempt)
    return attempt, counts, attempt.step == ResetAttempt.Step.VERIFY and attempt.method == method


def check_code(*, attempt: ResetAttempt, request: HttpRequest, method: str,
               code: str) -> Checked:
    """Check a code typed for the attempt's code method; the gate fails after too many tries."""
    kind = "email" if method == EMAIL else "phone"
    with transaction.atomic():
        attempt, counts, at_gate = _at_gate(attempt, method)
        if not at_gate:
            return Checked(False, attempt)
        accepted = verification.verify_code(
            user=subject_of(attempt), purpose=VerificationCode.Purpose.RESET, kind=kind,
            code=code, request=request, reset_attempt=str(attempt.pk)).accepted
        return Checked(_settle(attempt, counts, request, accepted, tries=True), attempt)


def check_app_code(*, attempt: ResetAttempt, request: HttpRequest, token: str) -> Checked:
    with transaction.atomic():
        attempt, counts, at_gate = _at_gate(attempt, APP)
        if not at_gate:
            return Checked(False, attempt)
        accepted = verification.verify_totp(user=subject_of(attempt), token=token)
        return Checked(_settle(attempt, counts, request, accepted, tries=True), attempt)


def draw_questions(attempt: ResetAttempt) -> list[SecurityQuestion]:
    """The questions to ask: drawn once per attempt, again only after a failed gate.

    One rule for every ID: a sample of the questions the subject registered, seeded by the
    server secret, the typed ID and the number of gates failed, so re-choosing the method or
    starting over shows the same questions and only a failed gate shows others. When the
    subject has too few answers that may be used (a stand-in, an administrator, someone who
    never registered them) the sample is taken from decoys: the questions of another person
    who did, chosen by the same seed, so custom and retired questions appear as often as
    they do for real people (SPEC 2.3). Both kinds of query run for every ID.
    """
    if attempt.question_ids:
        return _questions(attempt.question_ids)
    count = ResetPolicy.current().questions_to_answer
    subject = subject_of(attempt)
    seed = _seed(attempt.key)
    own = sorted(SecurityAnswer.objects.filter(user=subject).values_list("question_id",
                                                                         flat=True))
    decoys = _decoy_questions(seed)
    pool = own if len(own) >= count and not subject.is_staff else decoys
    draw_seed = _seed(f"{attempt.key}:{attempt.failed_gates}")
    ids = sorted(random.Random(draw_seed).sample(pool, min(count, len(pool))))  # noqa: S311
    with transaction.atomic():
        attempt = locked(attempt)
        attempt.question_ids = ids
        attempt.save(update_fields=["question_ids"])
    return _questions(ids)


def _seed(text: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"reset.questions:{text}".encode(),
                    "sha256").digest()


def _decoy_questions(seed: bytes) -> list[int]:
    """The question ids of a registered person picked by `seed`, in one query.

    A point in the range of answer ids picks the first answer at or after it, and so a
    person; their questions are the decoy's "registered" set. Before anyone has registered,
    the predefined catalogue stands in.
    """
    fraction = int.from_bytes(seed[:8]) / 2**64
    point = SecurityAnswer.objects.aggregate(top=Max("pk"))["top"] or 0
    owner = (SecurityAnswer.objects.filter(pk__gte=int(point * fraction))
             .order_by("pk").values("user_id")[:1])
    ids = sorted(SecurityAnswer.objects.filter(user_id=Subquery(owner))
                 .values_list("question_id", flat=True))
    if ids:
        return ids
    return list(SecurityQuestion.objects.filter(is_custom=False, is_active=True)
                .order_by("pk").values_list("pk", flat=True))


def _questions(ids: list[int]) -> list[SecurityQuestion]:
    by_id = SecurityQuestion.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def check_answers(*, attempt: ResetAttempt, request: HttpRequest,
                  answers: dict[int, str]) -> Checked:
    """Check the drawn questions' answers; one wrong answer fails the gate (SPEC 2.3).

    Every answer is hashed for every ID: a stand-in has no answers, and checking against
    none costs one hash each as checking against a real one does.
    """
    with transaction.atomic():
        attempt, counts, at_gate = _at_gate(attempt, QUESTIONS)
        if not at_gate:
            return Checked(False, attempt)
        asked = {int(q) for q in attempt.question_ids}
        answers = {q: a for q, a in answers.items() if q in asked}
        subject = subject_of(attempt)
        accepted = verification.check_security_answers(user=subject, answers=answers)
        # Questions never count for an administrator (SPEC 2.3), whatever they answer.
        accepted = accepted and len(answers) == len(asked) and not subject.is_staff
        return Checked(_settle(attempt, counts, request, accepted, tries=False), attempt)


def _settle(attempt: ResetAttempt, counts: GateCounts, request: HttpRequest,
            accepted: bool, *, tries: bool) -> bool:
    """Pass the gate, count a wrong try, or fail the gate; block when the typed ID has had
    too many failed gates. Runs with the attempt locked; `counts` were read with the lock.

    A gate is not passed while the account has had too many failed gates under any of its
    IDs: refused like a wrong answer, so only someone who could pass it would notice.
    """
    method = attempt.method
    if accepted and counts.account_failed_gates < settings.SSPR_RESET_FAILED_GATES_PER_HOUR:
        attempt.gates_passed = [*attempt.gates_passed, method]
        attempt.method, attempt.code_requested, attempt.code_tries = "", False, 0
        _audit_gate(attempt, request, AuditEvent.Outcome.SUCCESS, method)
        attempt.save()
        rotate_session(request)
        if attempt.gates_left == 0:
            gates_complete(attempt=attempt, request=request)
        return True
    if tries:
        attempt.code_tries += 1
        if attempt.code_tries < settings.SSPR_CODE_MAX_TRIES:
            attempt.save(update_fields=["code_tries"])
            return False
    attempt.failed_gates += 1
    attempt.method, attempt.code_requested, attempt.code_tries = "", False, 0
    attempt.question_ids = []  # the next questions gate draws again (seeded by failed_gates)
    _audit_gate(attempt, request, AuditEvent.Outcome.FAILURE, method)
    attempt.save(update_fields=["failed_gates", "method", "code_requested", "code_tries",
                                "question_ids"])
    failed = counts.failed_gates + counts.attempt_counted  # this failure included
    if failed >= settings.SSPR_RESET_FAILED_GATES_PER_HOUR:
        block(attempt=attempt, request=request, reason="failed_gates")
    return False


def _audit_gate(attempt, request, outcome, method) -> None:
    passed = outcome == AuditEvent.Outcome.SUCCESS
    record_event(type=AuditEvent.Type.GATE_PASSED if passed else AuditEvent.Type.GATE_FAILED,
                 outcome=outcome, request=request, subject=attempt.user,
                 identifier=attempt.key, support_code=attempt.support_code,
                 details={"method": method, "gate": len(attempt.gates_passed)})
