"""What a person sees after a refused new password: the reason beside it, and their typing."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ResetPolicy
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WEAK = "aaaaaaaaaaaa"


def input_tag(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


@pytest.fixture
def client_of_user():
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    user = UserFactory(username="lena")
    client = Client()
    client.force_login(user)
    return client


def test_a_policy_error_is_tied_to_the_new_password_not_the_confirmation(client_of_user):
    response = client_of_user.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": WEAK, "new_password2": WEAK})

    form = response.context_data["form"]
    assert "new_password1" in form.errors
    assert "new_password2" not in form.errors
    html = response.content.decode()
    assert 'aria-invalid="true"' in input_tag(html, "new_password1")
    assert 'aria-invalid="true"' not in input_tag(html, "new_password2")


def test_a_refused_new_password_stays_typed_so_it_can_be_corrected(client_of_user):
    response = client_of_user.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": WEAK, "new_password2": WEAK})

    assert response.content.decode().count(f'value="{WEAK}"') == 2


def test_a_mismatch_stays_on_the_confirmation(client_of_user):
    response = client_of_user.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": "Orchid-Tundra-Piano-48",
        "new_password2": "Orchid-Tundra-Piano-49"})

    assert list(response.context_data["form"].errors) == ["new_password2"]


def test_the_live_check_leaves_the_personal_rule_open_when_it_cannot_know_the_person(client):
    response = client.post(reverse("accounts:password-check"), {"password": "x"})

    verdicts = {rule["rule"]: rule["ok"] for rule in response.json()["rules"]}
    assert verdicts["personal"] is None
    assert verdicts["length"] is False
