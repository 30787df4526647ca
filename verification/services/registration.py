"""Registering, removing and confirming methods; checking TOTP codes and security answers."""

from base64 import b32encode

from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import record_event
from accounts.authority import Refusal, record_refusal, refusal
from accounts.models import AuditEvent, User
from accounts.services import queue_notice

from .. import codes
from ..models import (
    ContactMethod,
    MethodsConfirmation,
    SecurityAnswer,
    SecurityQuestion,
    VerificationCode,
)
from ..questions import normalise_answer
from ..totp import check_code, stand_in_device
from .sending import verify_code
from .status import AUTHENTICATOR, EMAIL, PHONE, QUESTIONS, registered_methods

Purpose = VerificationCode.Purpose


def register_contact(*, user: User, kind: str, code: str,
                     request: HttpRequest | None = None) -> codes.Check:
    """Register the phone or email a registration code went to, once that code is typed."""
    with transaction.atomic():
        result = verify_code(user=user, purpose=Purpose.REGISTRATION, kind=kind, code=code,
                             request=request)
        if result.accepted:
            old = _alternate_email(user, kind)
            ContactMethod.objects.update_or_create(
                user=user, kind=kind,
                defaults={"destination": result.code.destination,
                          "verified_at": timezone.now()},
            )
            _method_changed(AuditEvent.Type.METHOD_REGISTERED, user=user, method=kind,
                            request=request, channel=result.code.channel,
                            **_replaced(old, result.code.destination))
    return result


def start_authenticator(*, user: User) -> TOTPDevice:
    """Return the person's unconfirmed authenticator, creating one with a fresh secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_authenticator(*, user: User, token: str,
                          request: HttpRequest | None = None) -> bool:
    """Confirm the enrolment with a first valid code; it then replaces any older app.

    The code just typed proves the app, so the session of `request` gets its second factor.
    """
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=False).first())
        if device is None or not check_code(device, token):
            record_event(type=AuditEvent.Type.CODE_REJECTED, outcome=AuditEvent.Outcome.FAILURE,
                         request=request, subject=user, details={"method": AUTHENTICATOR})
            return False
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _method_changed(AuditEvent.Type.METHOD_REGISTERED, user=user, method=AUTHENTICATOR,
                        request=request)
    if request is not None:
        otp_login(request, device)
    return True


def verify_totp(*, user: User, token: str) -> bool:
    """Check a code from the person's confirmed authenticator app, with its row locked.

    One step either side, never a step already used, throttled after failures (verification
    .totp): a code seen over someone's shoulder cannot be replayed. Someone without an app,
    the reset wizard's stand-in among them, is checked against a stand-in device by the
    same code, so the work is the same and only the data differs (SPEC 8.1).
    """
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=True).first())
        return check_code(device or stand_in_device(), token)


def verified_authenticator(*, user: User, token: str) -> TOTPDevice | None:
    """Return the person's confirmed authenticator if `token` is its current code; else None.

    For a signed-in person's own session (the administration's second factor); the reset
    wizard uses verify_totp. django-otp throttles after failures and refuses a time step
    already used, so a code seen over someone's shoulder cannot be replayed.
    """
    with transaction.atomic():
        device = (TOTPDevice.objects.select_for_update()
                  .filter(user=user, confirmed=True).first())
        return device if device is not None and check_code(device, token) else None


def verify_second_factor(*, request: HttpRequest, token: str) -> bool:
    """Verify the signed-in person's session with their authenticator code, audited.

    The administration needs a verified session (accounts.admin_site); django-otp keeps
    the device in the session, so it ends with the session.
    """
    user = request.user
    device = verified_authenticator(user=user, token=token)
    outcome = AuditEvent.Outcome.SUCCESS if device else AuditEvent.Outcome.FAILURE
    record_event(type=AuditEvent.Type.GATE_PASSED if device else AuditEvent.Type.GATE_FAILED,
                 outcome=outcome, request=request, subject=user,
                 details={"method": AUTHENTICATOR, "purpose": "sign_in"})
    if device is None:
        return False
    otp_login(request, device)
    return True


def has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def register_security_answers(*, user: User, answers: list[tuple[SecurityQuestion, str]],
                              request: HttpRequest | None = None) -> None:
    """Replace the person's security answers; only Argon2id hashes of them are kept.

    The form has already checked the count, the lengths and that nothing repeats.
    """
    hashes = [(question, make_password(normalise_answer(answer)))
              for question, answer in answers]
    with transaction.atomic():
        SecurityAnswer.objects.filter(user=user).delete()
        SecurityAnswer.objects.bulk_create(
            SecurityAnswer(user=user, question=question, answer_hash=answer_hash)
            for question, answer_hash in hashes
        )
        _method_changed(AuditEvent.Type.METHOD_REGISTERED, user=user, method=QUESTIONS,
                        request=request, count=len(hashes))


def check_security_answers(*, user: User, answers: dict[int, str]) -> bool:
    """Whether every answer (question id → typed answer) matches what the person registered.

    Every answer is hashed even after a wrong one, so the time taken says nothing about
    which answer was wrong; one without a registered answer (the reset wizard's stand-in
    has none) is checked against a decoy hash, the same Argon2 verification.
    """
    registered = dict(SecurityAnswer.objects.filter(user=user, question_id__in=answers)
                      .values_list("question_id", "answer_hash"))
    decoy = get_hasher().decoy()
    results = [check_password(normalise_answer(typed), registered.get(question_id, decoy))
               for question_id, typed in answers.items()]
    return bool(answers) and len(registered) == len(answers) and all(results)


def remove_method(*, user: User, method: str, request: HttpRequest | None = None,
                  actor: User | None = None) -> None:
    """Remove one of the person's methods and tell their remaining channels."""
    with transaction.atomic():
        old = _alternate_email(user, method)
        if method in (PHONE, EMAIL):
            deleted, _ = ContactMethod.objects.filter(user=user, kind=method).delete()
        elif method == AUTHENTICATOR:
            deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        elif method == QUESTIONS:
            deleted, _ = SecurityAnswer.objects.filter(user=user).delete()
        else:
            raise ValueError(method)
        if deleted:
            _method_changed(AuditEvent.Type.METHOD_REMOVED, user=user, method=method,
                            request=request, actor=actor, **_replaced(old, ""))


def remove_method_by_staff(*, actor: User, user: User, method: str,
                           request: HttpRequest | None = None) -> Refusal | None:
    """A staff member removes one of `user`'s methods: authority asked, audited, user told.

    The audit event names the staff member as actor, so a method removed (and perhaps
    replaced) by staff is never mistaken for the person's own change. Return the refusal.
    """
    reason = refusal(actor, user)
    if reason is not None:
        record_refusal(actor=actor, target=user, action="remove_method", reason=reason,
                       request=request, details={"method": method})
        return reason
    remove_method(user=user, method=method, request=request, actor=actor)
    return None


def confirm_methods(*, user: User, request: HttpRequest | None = None) -> bool:
    """Note that the person looked at their methods and said they are right ("Looks good").

    With nothing registered there is nothing to confirm: False, and nothing changes.
    """
    methods = registered_methods(user)
    if not methods:
        return False
    with transaction.atomic():
        MethodsConfirmation.objects.update_or_create(user=user,
                                                     defaults={"confirmed_at": timezone.now()})
        record_event(type=AuditEvent.Type.METHOD_RECONFIRMED, request=request, subject=user,
                     details={"methods": sorted(methods)})
    return True


def _alternate_email(user: User, kind: str) -> str | None:
    if kind != EMAIL:
        return None
    return (ContactMethod.objects.filter(user=user, kind=EMAIL)
            .values_list("destination", flat=True).first())


def _replaced(old: str | None, new: str) -> dict:
    """The audit detail naming an alternate email that was replaced or removed.

    Its notice goes there too (notice_addresses): whoever took over the account and changed
    the address must not be able to do so without the address's owner hearing of it.
    """
    return {"old_address": old} if old and old != new else {}


def _method_changed(type: AuditEvent.Type, *, user: User, method: str,
                    request: HttpRequest | None, actor: User | None = None, **details) -> None:
    """Audit a change of methods and tell the person's registered channels about it."""
    event = record_event(type=type, request=request, actor=actor, subject=user,
                         details={"method": method, **details})
    # Changing methods is also a look at them: no reconfirmation asked right after.
    MethodsConfirmation.objects.update_or_create(user=user,
                                                 defaults={"confirmed_at": timezone.now()})
    queue_notice(event=event)




def totp_secret(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def authenticator_uri(*, user: User) -> str | None:
    """The otpauth:// URI of the person's app being enrolled, or None when none is."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device.config_url if device else None
