"""The wizard's session key changes when it starts and at every gate (session fixation)."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from tests.factories import PASSWORD

from .conftest import CommittingClient, identify
from .test_journeys import NEW, pass_gate

pytestmark = pytest.mark.django_db


def plant(session_key: str) -> CommittingClient:
    client = CommittingClient()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


@pytest.fixture
def two_gates(policy):
    policy.methods_required = 2
    policy.save()


def test_a_planted_session_cookie_cannot_post_the_new_password(registered, two_gates):
    # The attacker makes a session and tosses its cookie into the victim's browser.
    planted = SessionStore()
    planted.create()
    victim = plant(planted.session_key)
    identify(victim, "hanna")
    pass_gate(victim, registered, "authenticator")
    # Even a cookie tossed after the wizard started is worthless once a gate is passed.
    attacker = plant(victim.cookies[settings.SESSION_COOKIE_NAME].value)
    pass_gate(victim, registered, "sms")
    page = victim.get(reverse("reset:new-password"))
    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page["Cache-Control"]

    attacker.post(reverse("reset:new-password"),
                  {"new_password1": NEW, "new_password2": NEW})

    registered.refresh_from_db()
    assert registered.check_password(PASSWORD)
    assert victim.cookies[settings.SESSION_COOKIE_NAME].value != planted.session_key


def test_the_key_changes_when_the_wizard_starts_and_at_each_gate(registered, two_gates):
    client = CommittingClient()
    client.get(reverse("reset:identify"))
    keys = [client.cookies.get(settings.SESSION_COOKIE_NAME)]
    identify(client, "hanna")
    keys.append(client.session.session_key)
    pass_gate(client, registered, "authenticator")
    keys.append(client.session.session_key)
    pass_gate(client, registered, "email")
    keys.append(client.session.session_key)
    assert len(set(keys)) == 4
