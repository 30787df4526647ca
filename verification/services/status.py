"""Where a person stands: which methods count, whether they are registered or due to reconfirm."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, ResetPolicy, User
from sspr.statements import Param, per_record

from .. import limits
from ..models import ContactMethod, MethodsConfirmation, SecurityAnswer, VerificationCode

Channel = VerificationCode.Channel
PHONE_BUDGET_CACHE_SECONDS = 10
PHONE_BUDGET_CACHE_KEY = "verification.phone-budget-left"
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


def questions_can_count(policy: ResetPolicy) -> bool:
    """Whether security questions may be one of the gates the wizard offers.

    Answers can be guessed or looked up, so they are never the only gate unless the policy
    says so; with two gates they may be one of them (SPEC 2.3).
    """
    return policy.allow_security_questions and (policy.methods_required >= 2
                                                or policy.questions_may_be_only_gate)


def verified_conditions(policy: ResetPolicy) -> dict[str, Q]:
    """Per method, the SQL condition under which a user has it verified and usable."""
    contact = ContactMethod.objects.filter(user=OuterRef("pk"))
    return {
        PHONE: Q(Exists(contact.filter(kind=ContactMethod.Kind.PHONE))),
        EMAIL: Q(Exists(contact.filter(kind=ContactMethod.Kind.EMAIL))),
        AUTHENTICATOR: Q(Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))),
        # Security questions never count for staff (SPEC 2.3).
        QUESTIONS: Q(is_staff=False, answers__gte=max(policy.questions_to_register,
                                                      policy.questions_to_answer)),
        OFFICE_PHONE: ~Q(office_phone=""),
    }


def counted_conditions(policy: ResetPolicy) -> dict[str, Q]:
    """Per method, the SQL condition under which it counts for a user: the one rule.

    A method counts when it is verified, the policy enables it and the wizard would offer it
    as a gate, so "registered" means exactly "could finish a reset". It is evaluated on
    `users_with_answer_counts()`, for one person (`registered_methods`) and for everyone
    (the administration pages) alike.
    """
    return {method: condition for method, condition in verified_conditions(policy).items()
            if method_enabled(method, policy)
            and (method != QUESTIONS or questions_can_count(policy))}


def users_with_answer_counts() -> QuerySet[User]:
    answers = (SecurityAnswer.objects.filter(user=OuterRef("pk")).order_by().values("user")
               .annotate(n=Count("pk")).values("n"))
    return User.objects.annotate(answers=Coalesce(Subquery(answers), 0))


def counted_flags(policy: ResetPolicy) -> dict[str, Case]:
    """`counted_conditions` as one boolean column per method, to read back with values()."""
    return {f"counts_{method}": Case(When(condition, then=Value(True)), default=Value(False))
            for method, condition in counted_conditions(policy).items()}


def registered_methods(user: User, policy: ResetPolicy | None = None) -> set[str]:
    """The methods that count for `user` under the policy (see `counted_conditions`)."""
    policy = policy or ResetPolicy.current()
    return _counted(_methods_row(user, policy, details=False) or {})


def _methods_row(user: User, policy: ResetPolicy, *, details: bool) -> dict | None:
    """The user's `counted_flags`, with the `_overview_columns` when `details`, in one statement.

    None, and no statement, when there is nothing to read: no method can count.
    """
    statement = _methods_statement(policy, details)
    return statement.row(pk=user.pk) if statement is not None else None


@per_record
def _methods_statement(policy: ResetPolicy, details: bool) -> QuerySet | None:
    """`_methods_row`'s query under a policy, compiled once per policy rather than per
    request: building and compiling these conditions costs far more than running them."""
    columns = {**counted_flags(policy), **(_overview_columns() if details else {})}
    if not columns:
        return None
    return (users_with_answer_counts().filter(pk=Param("pk", User._meta.pk))
            .values("answers", **columns))


def _counted(row: dict) -> set[str]:
    """The methods whose `counted_flags` column is true in `row`."""
    return {name.removeprefix("counts_") for name, counts in row.items()
            if name.startswith("counts_") and counts}


def method_enabled(method: str, policy: ResetPolicy) -> bool:
    return {
        PHONE: policy.allow_mobile_sms or policy.allow_mobile_call,
        EMAIL: policy.allow_email,
        AUTHENTICATOR: policy.allow_authenticator,
        QUESTIONS: policy.allow_security_questions,
        OFFICE_PHONE: policy.allow_office_call,
    }[method]


def is_registered(user: User, policy: ResetPolicy | None = None) -> bool:
    """Whether the wizard would offer `user` enough methods to finish a reset."""
    policy = policy or ResetPolicy.current()
    return len(registered_methods(user, policy)) >= methods_required(user, policy)


def reconfirmation_due(user: User, policy: ResetPolicy | None = None) -> bool:
    """Whether the policy's reconfirm_days have passed since the person last confirmed."""
    policy = policy or ResetPolicy.current()
    if policy.reconfirm_days == 0:
        return False
    confirmed = MethodsConfirmation.objects.filter(user=user).first()
    return _confirmation_lapsed(confirmed.confirmed_at if confirmed else None, policy)


def _confirmation_lapsed(confirmed_at: datetime | None, policy: ResetPolicy) -> bool:
    if policy.reconfirm_days == 0:
        return False
    limit = timezone.now() - timedelta(days=policy.reconfirm_days)
    return confirmed_at is None or confirmed_at <= limit


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
    """Describe the person's methods for the /setup/ page (their own data only).

    One statement reads what each method shows and whether it counts, by the same
    conditions as `registered_methods`.
    """
    policy = ResetPolicy.current()
    row = _methods_row(user, policy, details=True)
    counted = _counted(row)
    states = {
        PHONE: MethodState(PHONE, PHONE in counted, row["phone_to"] or "", row["phone_since"]),
        EMAIL: MethodState(EMAIL, EMAIL in counted, row["email_to"] or "", row["email_since"]),
        OFFICE_PHONE: MethodState(OFFICE_PHONE, OFFICE_PHONE in counted,
                                  user.office_phone.as_international if user.office_phone
                                  else ""),
        AUTHENTICATOR: MethodState(AUTHENTICATOR, AUTHENTICATOR in counted, "",
                                   row["authenticator_since"]),
        QUESTIONS: MethodState(QUESTIONS, QUESTIONS in counted, str(row["answers"]),
                               row["questions_since"]),
    }
    return Overview(
        methods=[state for method, state in states.items() if method_enabled(method, policy)],
        required=methods_required(user, policy), registered=len(counted),
        reconfirmation_due=bool(counted) and _confirmation_lapsed(row["confirmed_at"], policy),
        phone_available=_phone_budget_left(),
        questions_to_register=policy.questions_to_register,
    )


def _overview_columns() -> dict[str, Subquery]:
    """The overview's details as columns of the user's row: destinations and since when."""
    mine = OuterRef("pk")
    contact = ContactMethod.objects.filter(user=mine)
    phone = contact.filter(kind=ContactMethod.Kind.PHONE)
    email = contact.filter(kind=ContactMethod.Kind.EMAIL)
    device = TOTPDevice.objects.filter(user=mine, confirmed=True).order_by("pk")
    answers = SecurityAnswer.objects.filter(user=mine).order_by("created_at")
    return {
        "phone_to": Subquery(phone.values("destination")),
        "phone_since": Subquery(phone.values("verified_at")),
        "email_to": Subquery(email.values("destination")),
        "email_since": Subquery(email.values("verified_at")),
        "authenticator_since": Subquery(device.values("created_at")[:1]),
        "questions_since": Subquery(answers.values("created_at")[:1]),
        "confirmed_at": Subquery(MethodsConfirmation.objects.filter(user=mine)
                                 .values("confirmed_at")),
    }


def phone_channels() -> list[str]:
    """The channels a phone may be verified by now: the policy's, unless the budget is spent.

    For showing methods only (see `_phone_budget_left`).
    """
    policy = ResetPolicy.current()
    if not _phone_budget_left():
        return []
    return [channel for channel, allowed in ((Channel.SMS, policy.allow_mobile_sms),
                                             (Channel.VOICE, policy.allow_mobile_call))
            if allowed]


def _phone_budget_left() -> bool:
    """Whether the hourly budget for texts and calls has room, as pages show it.

    Cached for a few seconds instead of counted on every page; sending checks it exactly
    (limits.refusal_for).
    """
    return cache.get_or_set(PHONE_BUDGET_CACHE_KEY,
                            limits.phone_methods_available, PHONE_BUDGET_CACHE_SECONDS)


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
    addresses = [alternate] if alternate and not just_added else []
    # An address replaced or removed is told too; it may be the only one its owner still has.
    if (old := event.details.get("old_address")) and old not in addresses:
        addresses.append(old)
    return addresses
