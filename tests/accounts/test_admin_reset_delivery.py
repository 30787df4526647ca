"""An administrator's reset never loses what it must send: links and generated passwords
go through the delivery state machine, sealed until sent, retried when the server fails."""

import re
import smtplib

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AdminResetJob, Message, User
from accounts.resets import ResetOptions, admin_reset_passwords
from tests.factories import UserFactory
from verification.models import OutboxEntry
from verification.senders.outbox import OutboxEmailBackend

# Real commits: the job and its messages are queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp_down_once(monkeypatch, settings):
    """The SMTP server drops the first connection for the help desk, then works again."""
    settings.SSPR_SEND_RETRY_SECONDS = 0
    send = OutboxEmailBackend.send_messages
    tries = []

    def flaky(self, messages):
        if messages[0].to != ["desk@example.org"]:
            return send(self, messages)
        tries.append(messages[0].to[0])
        if len(tries) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return send(self, messages)

    monkeypatch.setattr(OutboxEmailBackend, "send_messages", flaky)
    return tries


def test_emailed_passwords_survive_a_failed_delivery_and_sign_in(admin_user, smtp_down_once):
    users = UserFactory.create_batch(2)
    admin_reset_passwords(actor=admin_user,
                          users=User.objects.filter(pk__in=[u.pk for u in users]),
                          options=ResetOptions(delivery=AdminResetJob.Delivery.EMAIL,
                                               email_to="desk@example.org"))

    (mail,) = OutboxEntry.objects.filter(to="desk@example.org")
    assert smtp_down_once == ["desk@example.org", "desk@example.org"]
    message = Message.objects.get(template="temporary_passwords")
    assert (message.status, message.send_tries, message.sealed) == ("sent", 2, "")
    for user in users:
        password = re.search(rf"{user.username}: (\S+)", mail.body).group(1)
        client = Client()
        client.post(reverse("accounts:sign-in"), {"username": user.username,
                                                  "password": password})
        assert "_auth_user_id" in client.session


def test_a_set_password_link_waits_sealed_for_the_broker(admin_user, monkeypatch):
    monkeypatch.setattr("accounts.messages.enqueue", lambda *args, **kwargs: None)
    user = UserFactory()
    admin_reset_passwords(actor=admin_user, users=User.objects.filter(pk=user.pk),
                          options=ResetOptions())

    message = Message.objects.get(template="set_password_link")
    assert (message.status, message.to) == ("pending", user.email)
    assert message.sealed
    assert "http" not in message.sealed
    assert "portal.example.test" not in str(message.context)
