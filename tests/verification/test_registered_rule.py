"""One rule for "registered": exactly the people the wizard would let finish a reset.

For every combination of the policy's switches, and every combination of registered methods
for a person and for an administrator, the SQL the administration pages count with, the
/setup/ overview and the wizard's own view agree (SPEC 2.3, 3).
"""

from itertools import product

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ResetPolicy
from accounts.policies import impact_of
from reset.models import ResetAttempt
from reset.services import gates
from tests.factories import UserFactory
from verification import services as verification
from verification.models import ContactMethod, SecurityAnswer, SecurityQuestion

pytestmark = pytest.mark.django_db

METHODS = ["phone", "email", "authenticator", "questions", "office_phone"]
# The wizard's gate methods for each registered method, and the factor each proves.
GATES = {"phone": ["sms", "mobile_call"], "email": ["email"], "authenticator": ["authenticator"],
         "questions": ["questions"], "office_phone": ["office_call"]}


def make_user(name: str, registered: tuple[str, ...], *, staff: bool):
    user = UserFactory(username=name, is_staff=staff,
                       office_phone="+46812345678" if "office_phone" in registered else "")
    for kind in {"phone", "email"} & set(registered):
        ContactMethod.objects.create(user=user, kind=kind, destination=f"{kind}-{name}")
    if "authenticator" in registered:
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    if "questions" in registered:
        for question in SecurityQuestion.objects.order_by("pk")[:3]:
            SecurityAnswer.objects.create(user=user, question=question, answer_hash="x")
    return user


def wizard_lets_finish(user, registered: tuple[str, ...], policy: ResetPolicy) -> bool:
    """What the wizard offers, worked out from its own rules and the person's own data."""
    attempt = ResetAttempt(gates_passed=[])
    offered = {gate.key for gate in gates.offered_methods(attempt, policy)}
    usable = {gates.FACTOR[key] for method in registered for key in GATES[method]
              if key in offered and not (key == "questions" and user.is_staff)}
    return len(usable) >= verification.methods_required(user, policy)


@pytest.fixture
def people(db):
    combos = [c for n in range(len(METHODS) + 1) for c in product([0, 1], repeat=len(METHODS))
              if sum(c) == n]
    found = []
    for number, flags in enumerate(combos):
        registered = tuple(m for m, on in zip(METHODS, flags, strict=True) if on)
        for staff in (False, True):
            found.append((make_user(f"u{number}{'s' if staff else ''}", registered,
                                    staff=staff), registered))
    return found


SWITCHES = ["allow_email", "allow_mobile_sms", "allow_mobile_call", "allow_office_call",
            "allow_authenticator", "allow_security_questions"]


@pytest.mark.parametrize("required", [1, 2])
@pytest.mark.parametrize("questions_alone", [False, True])
def test_every_count_of_registered_agrees_with_the_wizard(people, required, questions_alone,
                                                          monkeypatch):
    monkeypatch.setattr(verification, "phone_channels", lambda: ["sms", "voice"])
    policy = ResetPolicy.current()
    for switches in product([False, True], repeat=len(SWITCHES)):
        for name, on in zip(SWITCHES, switches, strict=True):
            setattr(policy, name, on)
        policy.methods_required, policy.questions_may_be_only_gate = required, questions_alone
        policy.save()
        counted = set(verification.RegistrationData.registered_users(policy)
                      .values_list("pk", flat=True))
        for user, registered in people:
            expected = wizard_lets_finish(user, registered, policy)
            assert (user.pk in counted) == expected, (switches, registered, user.is_staff)
            # /setup/ asks the same rule of one person; one query each, so not every time.
            if sum(switches) >= len(SWITCHES) - 1:
                assert verification.is_registered(user, policy) == expected


def test_questions_alone_count_only_where_they_may_be_the_only_gate(db):
    user = make_user("hanna", ("questions",), staff=False)
    assert not verification.setup_overview(user).is_registered
    current = ResetPolicy.current()
    current.questions_may_be_only_gate = True
    current.save()
    assert verification.setup_overview(user).is_registered
    proposed = ResetPolicy.current()
    proposed.questions_may_be_only_gate = False
    assert impact_of(current=current, proposed=proposed) == 1
