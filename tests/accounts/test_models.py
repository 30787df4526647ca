import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User, normalise_identifier
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["Alice", "ALICE", "  alice ", "alice@example.org", "Alice@Example.ORG", "\uff41lice"],
)
def test_a_user_is_found_by_username_or_email_whatever_the_case(typed):
    alice = UserFactory(username="alice", email="alice@example.org")
    assert User.objects.get_by_identifier(typed) == alice


@pytest.mark.parametrize("typed", ["", "   ", "alic", "alice@example", "%", "_lice"])
def test_nothing_else_matches(typed):
    UserFactory(username="alice", email="alice@example.org")
    assert User.objects.get_by_identifier(typed) is None


def test_usernames_are_unique_whatever_the_case():
    UserFactory(username="alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="ALICE")


def test_emails_are_unique_whatever_the_case_but_may_be_empty():
    UserFactory(email="a@example.org")
    UserFactory(email="")
    UserFactory(email="")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="A@EXAMPLE.org")


def test_straße_is_found_as_itself_in_any_case_but_never_as_strasse():
    # The database's lower() is the one normalisation: "ß" has no upper-case pair in it, so
    # "STRASSE" is another ID, which another person may hold.
    strasse = UserFactory(username="Straße", email="gata@example.org")
    assert User.objects.get_by_identifier("straße") == strasse
    assert User.objects.get_by_identifier("STRAßE") == strasse
    assert User.objects.get_by_identifier("STRASSE") is None
    other = UserFactory(username="STRASSE", email="other@example.org")
    assert User.objects.get_by_identifier("strasse") == other
    assert normalise_identifier("Straße") != normalise_identifier("STRASSE")


def test_a_username_wins_over_another_users_email():
    owner = UserFactory(username="owner", email="bob@example.org")
    bob = UserFactory(username="bob@example.org", email="bob2@example.org")
    assert User.objects.get_by_identifier("BOB@example.org") == bob
    assert User.objects.get_by_identifier("owner") == owner


@pytest.mark.parametrize("password", [PASSWORD, "Wrong-Password-123"])
def test_a_sign_in_looks_the_user_up_once(client, password):
    UserFactory(username="alice", email="alice@example.org")
    with CaptureQueriesContext(connection) as queries:
        client.post(reverse("accounts:sign-in"), {"username": "ALICE", "password": password})
    look_ups = [q["sql"] for q in queries.captured_queries
                if 'FROM "accounts_user"' in q["sql"] and "LOWER(" in q["sql"].upper()]
    assert len(look_ups) == 1
