"""What administrators see and may do: state yes, answers and code hashes never."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.admin_session import admin_login
from tests.factories import UserFactory
from verification.models import SecurityAnswer, SecurityQuestion, VerificationCode
from verification.services import register_security_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return admin_login(client, UserFactory(is_staff=True, is_superuser=True))


def test_administrators_may_add_at_most_twenty_custom_questions():
    for i in range(20):
        SecurityQuestion.objects.create(text=f"Custom question number {i}?")
    extra = SecurityQuestion(text="One too many?")
    with pytest.raises(ValidationError):
        extra.full_clean()


@pytest.mark.parametrize("text", ["ab", "x" * 201])
def test_a_custom_question_is_3_to_200_characters(text):
    with pytest.raises(ValidationError):
        SecurityQuestion(text=text).full_clean()


def test_the_admin_shows_which_questions_were_chosen_but_never_the_answers(admin_client):
    user = UserFactory()
    questions = list(SecurityQuestion.objects.all()[:3])
    register_security_answers(user=user, answers=[(q, f"answer-{i}")
                                                  for i, q in enumerate(questions)])
    answer = SecurityAnswer.objects.first()

    page = admin_client.get(reverse("admin:verification_securityanswer_change",
                                    args=[answer.pk]))

    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "answer-0" not in html
    assert answer.answer_hash not in html
    assert "argon2" not in html


def test_the_admin_lists_codes_without_their_salt(admin_client):
    user = UserFactory()
    row = VerificationCode.objects.create(user=user, purpose="reset", channel="sms",
                                          destination="+46701740690", salt="f" * 32,
                                          expires_at="2030-01-01T00:00:00Z", status="sent")
    page = admin_client.get(reverse("admin:verification_verificationcode_change",
                                    args=[row.pk]))
    assert page.status_code == HTTPStatus.OK
    assert "f" * 32 not in page.content.decode()
