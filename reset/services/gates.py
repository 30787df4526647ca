"""The gates of the wizard: which methods are offered, sending codes, checking what is typed.

In protected mode (the default) every ID is offered every method the policy enables and
every answer looks the same, so that nothing here tells an attacker whether an ID exists,
what it has registered, or whether a typed number matched (SPEC 2.2, 2.3, 8.1).
"""

import hmac
import random
from contextlib import suppress
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import AuditEvent, ResetPolicy
from verification import services as verification
from verification.models import ContactMethod, SecurityAnswer, SecurityQuestion, VerificationCode

from ..models import ResetAttempt
from .attempts import block, locked, rotate_session, too_many_failed_gates
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
        # Answers can be guessed or looked up: never the only gate unless the policy says so.
        # The policy's number decides, not the user's, so the list is the same for every ID.
        return allowed[key] and (policy.methods_required == 2 or policy.questions_may_be_only_gate)
    return allowed[key]


def _registered_destinations(attempt: ResetAttempt) -> dict[str, str]:
    """Masked destinations of the user's registered methods (show-account-state mode only)."""
    user = attempt.user
    registered = verification.registered_methods(user)
    contacts = {c.kind: c.destination for c in ContactMethod.objects.filter(user=user)}
    found = {}
    if verification.EMAIL in registered:
        found[EMAIL] = mask_email(contacts[ContactMethod.Kind.EMAIL])
    if verification.PHONE in registered:
        found[SMS] = found[MOBILE_CALL] = mask_phone(contacts[ContactMethod.Kind.PHONE])
    if verification.OFFICE_PHONE in registered:
        found[OFFICE_CALL] = mask_phone(user.office_phone.as_e164)
    if verification.AUTHENTICATOR in registered:
        found[APP] = ""
    if verification.QUESTIONS in registered:
        found[QUESTIONS] = ""
    return found


def mask_phone(number: str) -> str:
    return "*" * max(len(number) - 2, 0) + number[-2:]


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}****@{domain}"


def choose_method(*, attempt: ResetAttempt, method: str) -> bool:
    """Make `method` the gate being tried; False when it is not on offer."""
    if method not in {m.key for m in offered_methods(attempt)}:
        return False
    with transaction.atomic():
        attempt = locked(attempt)
        attempt.method, attempt.code_requested, attempt.question_ids = method, False, []
        attempt.save(update_fields=["method", "code_requested", "question_ids"])
    return True


def request_code(*, attempt: ResetAttempt, request: HttpRequest, typed: str = "") -> None:
    """Send a code for the attempt's method to where the user says, if it is really theirs.

    Protected mode: the typed number or address must equal a registered, verified one, and
    the page reads the same whether it did or not; refusals by a limit are audited, not
    shown, for the same reason. Show-state mode: the registered destination is used.
    """
    destination = _destination(attempt, typed, ResetPolicy.current())
    with transaction.atomic():
        attempt = locked(attempt)
        attempt.code_requested = True
        attempt.save(update_fields=["code_requested"])
    if destination is None or attempt.eligibility != ResetAttempt.Eligibility.ELIGIBLE:
        return
    # A refusal by a limit is audited by send_code; telling the user would say it matched.
    with suppress(verification.CodeNotSent):
        verification.send_code(user=attempt.user, purpose=VerificationCode.Purpose.RESET,
                               channel=CODE_METHODS[attempt.method], destination=destination,
                               request=request, reset_attempt=str(attempt.pk),
                               language=request.LANGUAGE_CODE)


def _destination(attempt: ResetAttempt, typed: str, policy: ResetPolicy) -> str | None:
    user = attempt.user
    if user is None:
        return None
    if attempt.method == OFFICE_CALL:
        registered = user.office_phone.as_e164 if user.office_phone else None
    else:
        kind = ContactMethod.Kind.EMAIL if attempt.method == EMAIL else ContactMethod.Kind.PHONE
        registered = (ContactMethod.objects.filter(user=user, kind=kind)
                      .values_list("destination", flat=True).first())
    if registered is None or policy.show_account_state:
        return registered
    given = normalise_email(typed) if attempt.method == EMAIL else normalise_phone(typed)
    return registered if given and hmac.compare_digest(given, registered) else None


def normalise_phone(typed: str) -> str:
    try:
        number = phonenumbers.parse(typed, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(typed: str) -> str:
    return typed.strip().lower()


def _at_gate(attempt: ResetAttempt, method: str) -> ResetAttempt | None:
    """The attempt, locked, if it is still at the gate of `method`; else None.

    Parallel requests all passed the view's check before the first of them changed the
    attempt; each must look again under the lock, or a gate could be counted twice.
    """
    attempt = locked(attempt)
    if attempt.step != ResetAttempt.Step.VERIFY or attempt.method != method:
        return None
    return attempt


def check_code(*, attempt: ResetAttempt, request: HttpRequest, method: str, code: str) -> bool:
    """Check a code typed for the attempt's code method; the gate fails after too many tries."""
    kind = "email" if method == EMAIL else "phone"
    with transaction.atomic():
        attempt = _at_gate(attempt, method)
        if attempt is None:
            return False
        if attempt.user is None:
            accepted = False
        else:
            accepted = verification.verify_code(
                user=attempt.user, purpose=VerificationCode.Purpose.RESET, kind=kind, code=code,
                request=request, reset_attempt=str(attempt.pk)).accepted
        return _settle(attempt, request, accepted, tries=True)


def check_app_code(*, attempt: ResetAttempt, request: HttpRequest, token: str) -> bool:
    with transaction.atomic():
        attempt = _at_gate(attempt, APP)
        if attempt is None:
            return False
        accepted = attempt.user is not None and verification.verify_totp(user=attempt.user,
                                                                          token=token)
        return _settle(attempt, request, accepted, tries=True)


def draw_questions(attempt: ResetAttempt) -> list[SecurityQuestion]:
    """The questions to ask now: a fresh random pick of those registered, or decoys.

    An unknown ID, an administrator (who may never use questions) or someone with too few
    answers gets decoy questions chosen from the ID itself, so they are the same on every
    try and look like a real person's (SPEC 2.3). Both are shown in catalogue order, so the
    order of a draw says nothing either.
    """
    if attempt.question_ids:
        return _questions(attempt.question_ids)
    count = ResetPolicy.current().questions_to_answer
    user = attempt.user
    registered = [] if user is None or user.is_staff else list(
        SecurityAnswer.objects.filter(user=user).values_list("question_id", flat=True))
    if len(registered) >= count:
        ids = sorted(random.SystemRandom().sample(registered, count))
    else:
        catalogue = list(SecurityQuestion.objects.filter(is_custom=False, is_active=True)
                         .order_by("pk").values_list("pk", flat=True))
        seed = hmac.new(settings.SECRET_KEY.encode(), attempt.key.encode(), "sha256").digest()
        ids = sorted(random.Random(seed).sample(catalogue, min(count, len(catalogue))))  # noqa: S311
    with transaction.atomic():
        attempt = locked(attempt)
        attempt.question_ids = ids
        attempt.save(update_fields=["question_ids"])
    return _questions(ids)


def _questions(ids: list[int]) -> list[SecurityQuestion]:
    by_id = SecurityQuestion.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def check_answers(*, attempt: ResetAttempt, request: HttpRequest, answers: dict[int, str]) -> bool:
    """Check the drawn questions' answers; one wrong answer fails the gate (SPEC 2.3)."""
    with transaction.atomic():
        attempt = _at_gate(attempt, QUESTIONS)
        if attempt is None:
            return False
        asked = {int(q) for q in attempt.question_ids}
        answers = {q: a for q, a in answers.items() if q in asked}
        real = attempt.user is not None and not attempt.user.is_staff
        accepted = real and len(answers) == len(asked) and verification.check_security_answers(
            user=attempt.user, answers=answers)
        if not real:
            for answer in answers.values():  # cost what checking real answers costs
                make_password(answer)
        attempt.question_ids = []
        return _settle(attempt, request, accepted, tries=False)


def _settle(attempt: ResetAttempt, request: HttpRequest, accepted: bool, *, tries: bool) -> bool:
    """Pass the gate, count a wrong try, or fail the gate; block when the account has had
    too many failed gates. Runs with the attempt locked."""
    method = attempt.method
    if accepted:
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
            attempt.save()
            return False
    attempt.failed_gates += 1
    attempt.method, attempt.code_requested, attempt.code_tries = "", False, 0
    _audit_gate(attempt, request, AuditEvent.Outcome.FAILURE, method)
    attempt.save()
    if too_many_failed_gates(attempt.key):
        block(attempt=attempt, request=request, reason="failed_gates")
    return False


def _audit_gate(attempt, request, outcome, method) -> None:
    passed = outcome == AuditEvent.Outcome.SUCCESS
    record_event(type=AuditEvent.Type.GATE_PASSED if passed else AuditEvent.Type.GATE_FAILED,
                 outcome=outcome, request=request, subject=attempt.user,
                 identifier=attempt.key, support_code=attempt.support_code,
                 details={"method": method, "gate": len(attempt.gates_passed)})

