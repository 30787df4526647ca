"""The delivery state machine's rules, row by row, with the provider faked at its edge."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from accounts import delivery
from accounts.audit import record_event
from accounts.models import AuditEvent, Message
from accounts.services import queue_notice
from accounts.tasks import deliver_message, deliver_messages
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def notice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # left for the test to send
        (message,) = queue_notice(event=record_event(type=AuditEvent.Type.PASSWORD_CHANGED,
                                                     subject=UserFactory()))
    return message


def test_a_claimed_message_is_nobody_elses_until_its_lease_runs_out(
        django_capture_on_commit_callbacks, settings):
    settings.SSPR_SEND_LEASE_SECONDS = 120
    message = notice(django_capture_on_commit_callbacks)
    now = delivery.database_now()

    claimed = delivery.claim(Message.objects.all(), message.pk, now=now)
    again = delivery.claim(Message.objects.all(), message.pk, now=now)
    later = delivery.claim(Message.objects.all(), message.pk, now=now + timedelta(seconds=121))

    assert (claimed.status, claimed.send_tries) == ("sending", 1)
    assert again is None
    assert later.send_tries == 2  # its worker died: another one sends it


def test_messages_claimed_together_are_each_taken_only_when_due_and_open(
        django_capture_on_commit_callbacks):
    sent, later, due = (notice(django_capture_on_commit_callbacks) for _ in range(3))
    Message.objects.filter(pk=sent.pk).update(status="sent")
    now = delivery.database_now()
    Message.objects.filter(pk=later.pk).update(next_try_at=now + timedelta(minutes=5))

    claimed = delivery.claim_all(Message.objects.all(), [due.pk, sent.pk, later.pk], now=now)

    assert [row and (row.pk, row.status) for row in claimed] == [(due.pk, "sending"), None,
                                                                 None]


def test_a_retry_scheduled_later_is_not_sent_early(django_capture_on_commit_callbacks):
    message = notice(django_capture_on_commit_callbacks)
    due = delivery.database_now() + timedelta(minutes=5)
    Message.objects.filter(pk=message.pk).update(next_try_at=due)

    with django_capture_on_commit_callbacks():
        assert deliver_message(message.pk) == ""

    message.refresh_from_db()
    assert (message.status, message.send_tries) == ("pending", 0)


def test_messages_that_get_no_database_connection_are_queued_again(
        django_capture_on_commit_callbacks, monkeypatch, settings):
    """A worker thread that finds its connection pool exhausted past the pool's timeout
    claims nothing, and queues each message again rather than losing it."""
    settings.SSPR_SEND_RETRY_SECONDS = 5
    messages = [notice(django_capture_on_commit_callbacks) for _ in range(2)]

    def pool_exhausted():
        raise OperationalError("couldn't get a connection after 10.00 sec")

    queued = []
    monkeypatch.setattr(delivery, "database_now", pool_exhausted)
    monkeypatch.setattr(deliver_message, "apply_async",
                        lambda args, countdown, retry: queued.append((args, countdown)))

    assert deliver_messages([m.pk for m in messages]) == ["pending", "pending"]
    assert [args for args, _ in queued] == [(m.pk,) for m in messages]
    assert all(5 <= countdown <= 7.5 for _, countdown in queued)
    assert set(Message.objects.values_list("status", "send_tries")) == {("pending", 0)}


@pytest.mark.parametrize("tries", [1, 2, 3, 6])
def test_retries_back_off_exponentially_with_jitter(settings, tries):
    settings.SSPR_SEND_RETRY_SECONDS = 5
    base = 5 * 2 ** (tries - 1)
    delays = {delivery.retry_delay(tries) for _ in range(20)}
    assert all(base <= d <= base * 1.5 for d in delays)
    assert len(delays) > 1


def test_health_counts_the_deliveries_that_failed_in_the_last_hour(client, time_machine):
    time_machine.move_to(timezone.now() - timedelta(hours=2))
    record_event(type=AuditEvent.Type.MESSAGE_FAILED, outcome=AuditEvent.Outcome.FAILURE)
    time_machine.move_to(timezone.now() + timedelta(hours=2))
    record_event(type=AuditEvent.Type.MESSAGE_FAILED, outcome=AuditEvent.Outcome.FAILURE)

    response = client.get(reverse("healthz"))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["failed_deliveries_last_hour"] == 1
