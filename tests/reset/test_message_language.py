"""One language per person through a journey: every message follows their latest visit."""

import pytest
from django.urls import reverse

from accounts.models import ResetPolicy
from tests.factories import PASSWORD, UserFactory
from verification.models import OutboxEntry

from .conftest import ALT_EMAIL, CommittingClient, identify, register_everything
from .test_journeys import finish, pass_gate

pytestmark = pytest.mark.django_db


def swedish(client):
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})


def test_a_swedish_reset_sends_code_and_notice_in_swedish(committing_policy):
    user = register_everything(UserFactory(username="hanna", email="hanna@example.org",
                                           language="en"))
    client = CommittingClient()
    swedish(client)
    identify(client, "hanna")
    pass_gate(client, user, "email")
    finish(client)

    code = OutboxEntry.objects.filter(to=ALT_EMAIL).order_by("id").first()
    notice = OutboxEntry.objects.get(to="hanna@example.org")
    assert "verifieringskod" in code.body
    assert "Lösenordet för ditt konto" in notice.body
    mails = OutboxEntry.objects.all()
    assert len(mails) == 3  # the code, and the notice to the work and the alternate address
    assert all('lang="sv"' in mail.html_body for mail in mails)
    user.refresh_from_db()
    assert user.language == "sv"


def test_an_unlock_by_app_alone_is_told_in_the_language_of_the_visit(committing_policy):
    committing_policy.notify_user_on_reset = True
    committing_policy.save()
    user = register_everything(UserFactory(username="hanna", email="hanna@example.org",
                                           language="en"))
    client = CommittingClient()
    swedish(client)
    identify(client, "hanna", mode="unlock")
    pass_gate(client, user, "authenticator")

    mails = OutboxEntry.objects.all()
    assert mails.filter(to="hanna@example.org").exists()
    assert all('lang="sv"' in mail.html_body for mail in mails)


def test_a_later_english_sign_in_turns_the_notices_english(committing_policy):
    UserFactory(username="hanna", email="hanna@example.org", language="sv")
    client = CommittingClient()
    client.post(reverse("accounts:sign-in"), {"username": "hanna", "password": PASSWORD})
    client.post(reverse("accounts:password-change"), {
        "old_password": PASSWORD, "new_password1": "Orchid-Tundra-Piano-48",
        "new_password2": "Orchid-Tundra-Piano-48"})

    notice = OutboxEntry.objects.get(to="hanna@example.org")
    assert 'lang="en"' in notice.html_body
    assert "was changed" in notice.body


@pytest.fixture
def committing_policy(db):
    policy = ResetPolicy.current()
    policy.require_registration = False
    policy.save()
    return policy
