"""Who has registered which methods, counted in the database for administrators' pages.

The same rules as `status.registered_methods`, written as SQL so that a policy's impact on
every user is one query; a test holds the two to the same answers.
"""

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ResetPolicy, User

from ..models import ContactMethod, SecurityAnswer
from .status import (
    AUTHENTICATOR,
    EMAIL,
    METHOD_LABELS,
    OFFICE_PHONE,
    PHONE,
    QUESTIONS,
    method_enabled,
)


def _users_with_answer_counts() -> QuerySet[User]:
    answers = (SecurityAnswer.objects.filter(user=OuterRef("pk")).order_by().values("user")
               .annotate(n=Count("pk")).values("n"))
    return User.objects.annotate(answers=Coalesce(Subquery(answers), 0))


def _conditions(policy: ResetPolicy) -> dict[str, Q]:
    """Per method, the condition under which it counts for a user (on the queryset above)."""
    contact = ContactMethod.objects.filter(user=OuterRef("pk"))
    return {
        PHONE: Q(Exists(contact.filter(kind=ContactMethod.Kind.PHONE))),
        EMAIL: Q(Exists(contact.filter(kind=ContactMethod.Kind.EMAIL))),
        AUTHENTICATOR: Q(Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))),
        # Security questions never count for staff (SPEC 2.3).
        QUESTIONS: Q(is_staff=False, answers__gte=policy.questions_to_register),
        OFFICE_PHONE: ~Q(office_phone=""),
    }


class RegistrationData:
    """SSPR_REGISTRATION_DATA: the registration facts the administration pages ask for."""

    @staticmethod
    def registered_users(policy: ResetPolicy) -> QuerySet[User]:
        """Users with at least as many counted methods as `policy` asks of them."""
        counted = [Case(When(condition, then=Value(1)), default=Value(0))
                   for method, condition in _conditions(policy).items()
                   if method_enabled(method, policy)]
        required = Case(When(is_staff=True, then=Value(max(policy.methods_required, 2))),
                        default=Value(policy.methods_required))
        return (_users_with_answer_counts()
                .annotate(counted=sum(counted, Value(0)), required=required)
                .filter(counted__gte=F("required")))

    @staticmethod
    def registrations_by_method() -> dict[str, int]:
        """How many users have each method verified, by its label."""
        users = _users_with_answer_counts()
        return {str(METHOD_LABELS[method]): users.filter(condition).count()
                for method, condition in _conditions(ResetPolicy.current()).items()}
