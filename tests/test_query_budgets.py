"""SQL queries per request on the pages that hash nothing: deterministic, so held here."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.reset.conftest import register_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = register_everything(UserFactory(username="una", email="una@example.org"))
    client.force_login(user)
    client.get(reverse("accounts:overview"))  # the first page after sign-in asks about /setup/
    return client


@pytest.mark.parametrize(("name", "budget"), [("healthz", 2), ("accounts:sign-in", 0)])
def test_anonymous_pages_stay_within_their_query_budget(client, django_assert_max_num_queries,
                                                         name, budget):
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize(("name", "budget"), [("verification:setup", 9),
                                              ("accounts:overview", 3)])
def test_signed_in_pages_stay_within_their_query_budget(signed_in, django_assert_max_num_queries,
                                                        name, budget):
    with django_assert_max_num_queries(budget):
        assert signed_in.get(reverse(name)).status_code == 200
