import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.factories import UserFactory

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
