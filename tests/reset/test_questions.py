"""Security questions as a gate: random draws for real people, steady decoys for the rest."""

import pytest
from django.urls import reverse

from reset.models import ResetAttempt
from tests.factories import UserFactory
from verification.models import SecurityQuestion

from .conftest import CommittingClient, identify, register_everything

pytestmark = pytest.mark.django_db

URL = reverse("reset:gate", kwargs={"method": "questions"})


@pytest.fixture(autouse=True)
def questions_may_be_the_only_gate(policy):
    policy.questions_may_be_only_gate = True
    policy.save()


def drawn(client) -> list[str]:
    client.post(reverse("reset:verify"), {"method": "questions"})
    return [field.label for field in client.get(URL).context_data["form"].fields.values()]


def test_an_unknown_id_gets_the_same_decoy_questions_on_every_try():
    first, second = CommittingClient(), CommittingClient()
    identify(first, "nobody-here")
    identify(second, "Nobody-Here")
    assert drawn(first) == drawn(second)
    assert len(drawn(first)) == 3


def test_decoys_differ_between_ids_so_they_look_like_a_persons_own():
    draws = set()
    for user_id in ["ghost-one", "ghost-two", "ghost-three", "ghost-four"]:
        client = CommittingClient()
        identify(client, user_id)
        draws.add(tuple(drawn(client)))
    assert len(draws) > 1


def test_a_wrong_answer_fails_the_gate_and_the_next_try_draws_again(client):
    register_everything(UserFactory(username="hanna"), questions=5)
    identify(client, "hanna")
    asked = drawn(client)
    client.post(URL, {name: "wrong" for name in client.get(URL).context_data["form"].fields})
    attempt = ResetAttempt.objects.get()
    assert (attempt.failed_gates, attempt.question_ids, attempt.method) == (1, [], "")
    again = drawn(client)
    assert len(again) == 3
    registered = SecurityQuestion.objects.filter(answers__user__username="hanna")
    assert set(asked) | set(again) <= {q.label for q in registered}


def test_the_drawn_questions_stay_put_while_the_person_answers(client):
    register_everything(UserFactory(username="hanna"), questions=5)
    identify(client, "hanna")
    asked = drawn(client)
    assert [f.label for f in client.get(URL).context_data["form"].fields.values()] == asked


def shown(client) -> tuple[str, ...]:
    """The questions on the page, as an outsider sees them."""
    client.post(reverse("reset:verify"), {"method": "questions"})
    return tuple(f.label for f in client.get(URL).context_data["form"].fields.values())


def fail(client):
    client.post(URL, {name: "wrong" for name in client.get(URL).context_data["form"].fields})


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_choosing_again_or_starting_over_shows_the_same_questions_for_any_id(user_id):
    register_everything(UserFactory(username="hanna"), questions=5)
    first = CommittingClient()
    identify(first, user_id)
    asked = shown(first)
    first.get(reverse("reset:verify"))
    again = shown(first)
    second = CommittingClient()
    identify(second, user_id)
    assert asked == again == shown(second)
    fail(first)
    third = CommittingClient()
    identify(third, user_id)
    shown(third)
    fail(third)
    assert shown(first) == shown(third)  # redrawn after a failed gate, the same way


def test_decoys_come_from_what_people_register_custom_questions_included():
    custom = SecurityQuestion.objects.create(text="Name of my first boat?", is_custom=True)
    for n in range(3):
        user = register_everything(UserFactory(username=f"person{n}"), questions=2)
        user.security_answers.create(question=custom, answer_hash="x")
    draws = set()
    for n in range(12):
        client = CommittingClient()
        identify(client, f"stranger{n}")
        draws.update(shown(client))
    assert custom.label in draws
