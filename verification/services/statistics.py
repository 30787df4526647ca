"""Who has registered which methods, counted in the database for administrators' pages.

"Registered" is `status.counted_conditions`, the one rule the wizard and /setup/ use too,
applied to every user at once, so that a policy's impact on everyone is one query.
"""

from django.db.models import Case, F, QuerySet, Value, When

from accounts.models import ResetPolicy, User

from .status import METHOD_LABELS, counted_conditions, users_with_answer_counts, verified_conditions


class RegistrationData:
    """SSPR_REGISTRATION_DATA: the registration facts the administration pages ask for."""

    @staticmethod
    def registered_users(policy: ResetPolicy) -> QuerySet[User]:
        """Users for whom the wizard would offer as many methods as `policy` asks of them."""
        counted = [Case(When(condition, then=Value(1)), default=Value(0))
                   for condition in counted_conditions(policy).values()]
        required = Case(When(is_staff=True, then=Value(max(policy.methods_required, 2))),
                        default=Value(policy.methods_required))
        return (users_with_answer_counts()
                .annotate(counted=sum(counted, Value(0)), required=required)
                .filter(counted__gte=F("required")))

    @staticmethod
    def registrations_by_method() -> dict[str, int]:
        """How many users have each method verified, by its label."""
        users = users_with_answer_counts()
        return {str(METHOD_LABELS[method]): users.filter(condition).count()
                for method, condition in verified_conditions(ResetPolicy.current()).items()}
