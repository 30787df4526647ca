"""Per-account limits of SPEC 6.1: 5 failed gates or 5 starts in an hour block for 24 hours."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from reset.models import ResetAttempt

from .conftest import CommittingClient, identify

pytestmark = pytest.mark.django_db


def fail_questions_gate(client):
    url = reverse("reset:gate", kwargs={"method": "questions"})
    client.post(reverse("reset:verify"), {"method": "questions"})
    fields = client.get(url).context_data["form"].fields
    return client.post(url, {name: "wrong answer" for name in fields})


@pytest.fixture
def questions_allowed(policy):
    policy.questions_may_be_only_gate = True
    policy.save()


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_five_failed_gates_block_for_a_day_known_or_unknown(client, registered,
                                                            questions_allowed, user_id):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        identify(client, user_id)
        for _ in range(4):
            fail_questions_gate(client)
        assert ResetAttempt.objects.get().step == "verify"
        response = fail_questions_gate(client)
        assert response["Location"] == reverse("reset:outcome")
        assert b"Try again in 24 hours" in client.get(reverse("reset:outcome")).content

        clock.shift(timedelta(hours=23, minutes=59))
        identify(CommittingClient(), user_id)
        assert ResetAttempt.objects.latest("created_at").step == "blocked"
        clock.shift(timedelta(minutes=2))
        identify(CommittingClient(), user_id)
        assert ResetAttempt.objects.latest("created_at").step == "verify"
    assert AuditEvent.objects.filter(type=AuditEvent.Type.ATTEMPT_BLOCKED).count() == 1


def test_the_sixth_start_in_an_hour_is_blocked(registered):
    steps = []
    for _ in range(6):
        browser = CommittingClient()
        identify(browser, "hanna")
        steps.append(ResetAttempt.objects.latest("created_at").step)
    assert steps == ["verify"] * 5 + ["blocked"]


def test_starts_an_hour_apart_are_not_counted_together(registered):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            identify(CommittingClient(), "hanna")
        clock.shift(timedelta(hours=1, seconds=1))
        identify(CommittingClient(), "hanna")
    assert ResetAttempt.objects.latest("created_at").step == "verify"


def test_a_successful_reset_clears_the_counters(client, registered, questions_allowed):
    from .test_journeys import finish, pass_gate

    identify(client, "hanna")
    for _ in range(4):
        fail_questions_gate(client)
    pass_gate(client, registered, "email")
    finish(client)
    browser = CommittingClient()
    identify(browser, "hanna")
    fail_questions_gate(browser)
    assert ResetAttempt.objects.latest("created_at").step == "verify"


@pytest.mark.parametrize(("by_name", "by_email"), [("hanna", "hanna@example.org"),
                                                   ("ghost", "ghost@example.org")])
def test_starts_by_username_and_by_email_never_block_a_real_id_sooner(registered, by_name,
                                                                      by_email):
    steps = []
    for user_id in [by_name] * 3 + [by_email] * 3:
        identify(CommittingClient(), user_id)
        steps.append(ResetAttempt.objects.latest("created_at").step)
    assert steps == ["verify"] * 6


def test_an_account_past_its_failed_gates_under_all_its_ids_passes_no_gate(
        client, registered, questions_allowed):
    from .test_journeys import pass_gate

    for user_id in ["hanna"] * 3 + ["hanna@example.org"] * 2:
        browser = CommittingClient()
        identify(browser, user_id)
        fail_questions_gate(browser)
    identify(client, "HANNA")
    response = pass_gate(client, registered, "email")
    assert response.status_code == 200
    assert ResetAttempt.objects.latest("created_at").gates_passed == []
