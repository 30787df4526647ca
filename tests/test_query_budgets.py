"""SQL queries per request: deterministic, so held here.

The pages that hash nothing, and the two steps that set a password with a full history (the
wizard's new password and the change of password), which the benchmark compares with stock
Django's set-password (4) and PasswordChangeView (8). Work queued on commit runs in the
worker, not in the request, and is not counted.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, PasswordPolicy, ResetPolicy
from accounts.services import set_new_password
from tests.factories import PASSWORD, UserFactory
from tests.reset.conftest import identify, register_everything
from tests.reset.test_journeys import pass_gate

pytestmark = pytest.mark.django_db

NEW = "Orchid-Tundra-Piano-48"
NEW_PASSWORD, CHANGE_PASSWORD = 11, 11


@pytest.fixture
def signed_in(client):
    user = register_everything(UserFactory(username="una", email="una@example.org"))
    client.force_login(user)
    client.get(reverse("accounts:overview"))  # the first page after sign-in asks about /setup/
    return client


@pytest.fixture
def full_history():
    """A registered user with five old passwords, as the benchmark seeds them; the policy
    records exist, as they do in production."""
    ResetPolicy.current(), PasswordPolicy.current()
    user = register_everything(UserFactory(username="hanna", email="hanna@example.org"))
    for n in range(5):
        set_new_password(user=user, password=f"Orchid-Tundra-Piano-{n}x",
                         event_type=AuditEvent.Type.PASSWORD_CHANGED, notify=False)
    set_new_password(user=user, password=PASSWORD, event_type=AuditEvent.Type.PASSWORD_CHANGED,
                     notify=False)
    return user


@pytest.mark.parametrize(("name", "budget"), [("healthz", 1), ("accounts:sign-in", 0),
                                              ("reset:identify", 0)])
def test_anonymous_pages_stay_within_their_query_budget(client, django_assert_max_num_queries,
                                                         name, budget):
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(("name", "budget"), [("verification:setup", 5),
                                              ("accounts:overview", 3)])
def test_signed_in_pages_stay_within_their_query_budget(signed_in, django_assert_max_num_queries,
                                                        name, budget):
    with django_assert_max_num_queries(budget):
        assert signed_in.get(reverse(name)).status_code == 200


def test_the_wizards_new_password_stays_within_its_query_budget(full_history, statements):
    client = Client()
    identify(client, "hanna")
    pass_gate(client, full_history, "authenticator")

    with statements(NEW_PASSWORD):
        response = client.post(reverse("reset:new-password"),
                               {"new_password1": NEW, "new_password2": NEW})

    assert response["Location"] == reverse("reset:done")


def test_changing_the_password_stays_within_its_query_budget(full_history, statements):
    client = Client()
    client.force_login(full_history)
    client.get(reverse("accounts:overview"))

    with statements(CHANGE_PASSWORD):
        response = client.post(reverse("accounts:password-change"), {
            "old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})

    assert response["Location"] == reverse("accounts:sign-in")
