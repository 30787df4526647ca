"""Forced registration and reconfirmation after sign-in, and who counts as registered."""

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import ResetPolicy
from tests.factories import PASSWORD, UserFactory
from verification import services
from verification.models import ContactMethod, SecurityAnswer, SecurityQuestion

pytestmark = pytest.mark.django_db


def sign_in(client, user):
    response = client.post(reverse("accounts:sign-in"),
                           {"username": user.username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    return client.get(response.url)


def register_phone(user):
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")


def set_policy(**fields):
    ResetPolicy.objects.update_or_create(pk=1, defaults=fields)


def test_an_unregistered_person_is_sent_to_setup_after_signing_in(client, user):
    response = sign_in(client, user)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("verification:setup"))
    page = client.get(response.url).content.decode()
    assert "Finish setting up account recovery." in page
    assert "Skip for now" in page


def test_they_may_skip_and_are_asked_again_at_the_next_sign_in(client, user):
    sign_in(client, user)
    assert client.get(reverse("home")).status_code == HTTPStatus.OK  # skipped

    client.post(reverse("accounts:sign-out"))
    response = sign_in(client, user)

    assert response.url.startswith(reverse("verification:setup"))


def test_no_reminder_when_the_policy_does_not_require_registration(client, user):
    set_policy(require_registration=False)
    assert sign_in(client, user).status_code == HTTPStatus.OK


def test_a_registered_person_goes_straight_to_the_page_they_wanted(client, user):
    register_phone(user)
    services.confirm_methods(user=user)
    assert sign_in(client, user).status_code == HTTPStatus.OK


def test_a_registered_person_is_asked_to_reconfirm_after_the_policy_days(client, user):
    set_policy(reconfirm_days=180)
    register_phone(user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.confirm_methods(user=user)
    with time_machine.travel(start + timedelta(days=181)):
        response = sign_in(client, user)
        assert response.url.startswith(reverse("verification:setup"))
        page = client.get(response.url).content.decode()
        assert "Are these still right?" in page
        assert "Needs reconfirmation" in page

        client.post(reverse("verification:setup"))
        client.post(reverse("accounts:sign-out"))
        assert sign_in(client, user).status_code == HTTPStatus.OK


def test_reconfirm_days_zero_means_never(client, user):
    set_policy(reconfirm_days=0)
    register_phone(user)
    with time_machine.travel(timezone.now() + timedelta(days=2000)):
        assert sign_in(client, user).status_code == HTTPStatus.OK


def test_the_reminder_never_interrupts_a_post_or_the_setup_pages(client, user):
    client.force_login(user)
    session = client.session
    session["verification.check_setup"] = True
    session.save()
    assert client.post(reverse("verification:setup")).status_code == HTTPStatus.FOUND
    assert client.get(reverse("verification:setup")).status_code == HTTPStatus.OK
    assert client.get(reverse("accounts:reauthenticate")).status_code == HTTPStatus.OK
    assert client.get(reverse("home")).status_code == HTTPStatus.FOUND  # the first ordinary page


def test_skip_goes_back_to_where_the_person_was_going(client, user):
    response = sign_in(client, user)
    page = client.get(response.url).content.decode()
    assert f'href="{reverse("home")}"' in page


def answer_questions(user, count):
    for question in SecurityQuestion.objects.all()[:count]:
        SecurityAnswer.objects.create(user=user, question=question, answer_hash="x")


def test_registered_means_as_many_methods_as_the_policy_requires(user):
    set_policy(methods_required=2)
    register_phone(user)
    assert services.registered_methods(user) == {"phone"}
    assert not services.is_registered(user)

    answer_questions(user, 3)

    assert services.registered_methods(user) == {"phone", "questions"}
    assert services.is_registered(user)


def test_too_few_answers_do_not_count_as_a_method(user):
    set_policy(questions_to_register=4)
    answer_questions(user, 3)
    assert services.registered_methods(user) == set()


def test_a_method_the_policy_disabled_does_not_count(user):
    register_phone(user)
    set_policy(allow_mobile_sms=False, allow_mobile_call=False)
    assert not services.is_registered(user)


def test_a_policy_change_counts_at_once_for_someone_already_counted(user):
    register_phone(user)
    assert services.registered_methods(user) == {"phone"}

    set_policy(allow_mobile_sms=False, allow_mobile_call=False)

    assert services.registered_methods(user) == set()


def test_administrators_need_two_methods_and_questions_do_not_count_for_them():
    admin = UserFactory(is_staff=True)
    register_phone(admin)
    answer_questions(admin, 3)
    assert services.registered_methods(admin) == {"phone"}
    assert services.methods_required(admin) == 2
    assert not services.is_registered(admin)


def test_an_office_phone_set_by_administrators_counts(user):
    user.office_phone = "+4687740600"
    user.save()
    assert services.registered_methods(user) == {"office_phone"}
