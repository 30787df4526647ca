"""With "show account state" on, the seed's distinct pages and masked destinations."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

from .conftest import identify

pytestmark = pytest.mark.django_db


@pytest.fixture
def shown(policy):
    policy.show_account_state = True
    policy.save()
    return policy


@pytest.mark.parametrize(("user_id", "heading"), [
    ("ghost", b"We couldn't find that account"),
    ("elsewhere", b"Contact your administrator"),
    ("unregistered", b"We couldn't verify your account"),
    ("disabled", b"Your account is not enabled for password reset"),
])
def test_each_state_has_its_own_page(client, shown, user_id, heading):
    UserFactory(username="elsewhere", password_managed_elsewhere=True)
    UserFactory(username="unregistered")
    UserFactory(username="disabled", is_active=False)
    response = identify(client, user_id)
    assert response["Location"] == reverse("reset:outcome")
    assert heading in client.get(reverse("reset:outcome")).content


def test_registered_methods_are_offered_masked(client, shown, registered):
    identify(client, "hanna")
    labels = dict(client.get(reverse("reset:verify")).context_data["form"].fields["method"].choices)
    assert labels["sms"].endswith("*********67")
    assert labels["email"].endswith("a****@example.net")
    assert "+46701234567" not in str(labels)


def test_the_code_goes_to_the_registered_number_without_typing_it(client, shown, registered):
    from verification.models import VerificationCode

    identify(client, "hanna")
    client.post(reverse("reset:verify"), {"method": "sms"})
    client.post(reverse("reset:gate", kwargs={"method": "sms"}))
    assert VerificationCode.objects.get().destination == "+46701234567"
