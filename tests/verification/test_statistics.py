"""The SQL count of registered users must agree with the per-user rule, policy by policy."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ResetPolicy, User
from tests.factories import UserFactory
from verification import services
from verification.models import ContactMethod, SecurityQuestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    phone = UserFactory()
    ContactMethod.objects.create(user=phone, kind="phone", destination="+46701234567")
    both = UserFactory()
    ContactMethod.objects.create(user=both, kind="phone", destination="+46701234568")
    ContactMethod.objects.create(user=both, kind="email", destination="b@example.net")
    app_and_office = UserFactory(office_phone="+46812345678")
    TOTPDevice.objects.create(user=app_and_office, name="app", confirmed=True)
    questions = UserFactory()
    staff_questions = UserFactory(is_staff=True)
    staff_two = UserFactory(is_staff=True)
    ContactMethod.objects.create(user=staff_two, kind="email", destination="s@example.net")
    TOTPDevice.objects.create(user=staff_two, name="app", confirmed=True)
    for person in [questions, staff_questions]:
        services.register_security_answers(user=person, answers=list(zip(
            SecurityQuestion.objects.filter(is_custom=False)[:3], ["one", "two", "three"],
            strict=True)))
    UserFactory()  # nothing at all


@pytest.mark.parametrize("policy_fields", [
    {}, {"methods_required": 2}, {"allow_mobile_sms": False, "allow_mobile_call": False},
    {"allow_security_questions": False}, {"questions_to_register": 4},
    {"allow_office_call": False, "methods_required": 2},
])
def test_sql_and_per_user_rules_agree(people, policy_fields):
    policy = ResetPolicy(**policy_fields)
    by_sql = set(services.RegistrationData.registered_users(policy))
    by_rule = {user for user in User.objects.all() if services.is_registered(user, policy)}
    assert by_sql == by_rule
    assert by_sql  # the case is not empty


def test_registrations_are_counted_per_method(people):
    counts = services.RegistrationData.registrations_by_method()
    assert counts["Authentication phone"] == 2
    assert counts["Authentication email"] == 2
    assert counts["Authenticator app"] == 2
    assert counts["Office phone"] == 1
    assert counts["Security questions"] == 1  # staff answers never count
