"""Where a person stands: which methods count, whether they are registered or due to reconfirm."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, ResetPolicy, User

from .. import limits
from ..models import ContactMethod, MethodsConfirmation, SecurityAnswer, VerificationCode

Channel = VerificationCode.Channel
PHONE, EMAIL, AUTHENTICATOR, QUESTIONS, OFFICE_PHONE = (
    "phone", "email", "authenticator", "questions", "office_phone")
METHOD_LABELS = {
    PHONE: _("Authentication phone"),
    EMAIL: _("Authentication email"),
    OFFICE_PHONE: _("Office phone"),
    AUTHENTICATOR: _("Authenticator app"),
    QUESTIONS: _("Security questions"),
}


def methods_required(user: User, policy: ResetPolicy | None = None) -> int:
    """How many methods the person needs: the policy's number, and always 2 for staff."""
    policy = policy or ResetPolicy.current()
    return max(policy.methods_required, 2 if user.is_staff else 1)


def registered_methods(user: User, policy: ResetPolicy | None = None) -> set[str]:
    """The verified methods of `user` that the policy enables and that count for them.

    Security questions count only with enough answers, and never for staff (SPEC 2.3).
    """
    policy = policy or ResetPolicy.current()
    found = set(ContactMethod.objects.filter(user=user).values_list("kind", flat=True))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        found.add(AUTHENTICATOR)
    answers = SecurityAnswer.objects.filter(user=user).count()
    if answers >= policy.questions_to_register and not user.is_staff:
        found.add(QUESTIONS)
    if user.office_phone:
        found.add(OFFICE_PHONE)
    return {method for method in found if method_enabled(method, policy)}


def method_enabled(method: str, policy: ResetPolicy) -> bool:
    return {
        PHONE: policy.allow_mobile_sms or policy.allow_mobile_call,
        EMAIL: policy.allow_email,
        AUTHENTICATOR: policy.allow_authenticator,
        QUESTIONS: policy.allow_security_questions,
        OFFICE_PHONE: policy.allow_office_call,
    }[method]


def is_registered(user: User, policy: ResetPolicy | None = None) -> bool:
    """Whether `user` has at least as many verified methods as they need."""
    policy = policy or ResetPolicy.current()
    return len(registered_methods(user, policy)) >= methods_required(user, policy)


def reconfirmation_due(user: User, policy: ResetPolicy | None = None) -> bool:
    """Whether the policy's reconfirm_days have passed since the person last confirmed."""
    policy = policy or ResetPolicy.current()
    if policy.reconfirm_days == 0:
        return False
    confirmed = MethodsConfirmation.objects.filter(user=user).first()
    limit = timezone.now() - timedelta(days=policy.reconfirm_days)
    return confirmed is None or confirmed.confirmed_at <= limit


def setup_reminder_due(user: User) -> bool:
    """Whether to send `user` to /setup/ after signing in: not registered, or due to reconfirm."""
    policy = ResetPolicy.current()
    if not is_registered(user, policy):
        return policy.require_registration
    return reconfirmation_due(user, policy)


@dataclass(frozen=True)
class MethodState:
    method: str
    registered: bool
    detail: str = ""
    since: datetime | None = None

    @property
    def label(self) -> str:
        return str(METHOD_LABELS[self.method])


@dataclass(frozen=True)
class Overview:
    """What /setup/ shows: each method the policy enables, and where the person stands."""

    methods: list[MethodState]
    required: int
    registered: int
    reconfirmation_due: bool
    phone_available: bool
    questions_to_register: int

    @property
    def is_registered(self) -> bool:
        return self.registered >= self.required


def setup_overview(user: User) -> Overview:
    """Describe the person's methods for the /setup/ page (their own data only)."""
    policy = ResetPolicy.current()
    contacts = {c.kind: c for c in ContactMethod.objects.filter(user=user)}
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    answers = list(SecurityAnswer.objects.filter(user=user).order_by("created_at"))
    counted = registered_methods(user, policy)
    states = {
        PHONE: MethodState(PHONE, PHONE in counted, *_contact_detail(contacts.get(PHONE))),
        EMAIL: MethodState(EMAIL, EMAIL in counted, *_contact_detail(contacts.get(EMAIL))),
        OFFICE_PHONE: MethodState(OFFICE_PHONE, OFFICE_PHONE in counted,
                                  user.office_phone.as_international if user.office_phone
                                  else ""),
        AUTHENTICATOR: MethodState(AUTHENTICATOR, AUTHENTICATOR in counted, "",
                                   device.created_at if device else None),
        QUESTIONS: MethodState(QUESTIONS, QUESTIONS in counted, str(len(answers)),
                               answers[0].created_at if answers else None),
    }
    return Overview(
        methods=[state for method, state in states.items() if method_enabled(method, policy)],
        required=methods_required(user, policy), registered=len(counted),
        reconfirmation_due=bool(counted) and reconfirmation_due(user, policy),
        phone_available=limits.phone_methods_available(),
        questions_to_register=policy.questions_to_register,
    )


def _contact_detail(contact: ContactMethod | None) -> tuple[str, datetime | None]:
    return (contact.destination, contact.verified_at) if contact else ("", None)


def phone_channels() -> list[str]:
    """The channels a phone may be verified by now: the policy's, unless the budget is spent."""
    policy = ResetPolicy.current()
    if not limits.phone_methods_available():
        return []
    return [channel for channel, allowed in ((Channel.SMS, policy.allow_mobile_sms),
                                             (Channel.VOICE, policy.allow_mobile_call))
            if allowed]


def questions_to_register() -> int:
    return ResetPolicy.current().questions_to_register


def notice_addresses(event: AuditEvent) -> list[str]:
    """SSPR_NOTICE_ADDRESSES: the subject's alternate email, told of changes to their account.

    Not when the event is that very address being added: whoever added it reads it, and
    the notice is for the channels that were already registered (SPEC 3.1).
    """
    alternate = (ContactMethod.objects.filter(user=event.subject, kind=ContactMethod.Kind.EMAIL)
                 .values_list("destination", flat=True).first())
    just_added = (event.type == AuditEvent.Type.METHOD_REGISTERED
                  and event.details.get("method") == EMAIL)
    return [alternate] if alternate and not just_added else []
