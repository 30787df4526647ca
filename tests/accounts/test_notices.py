import smtplib
from datetime import timedelta
from itertools import chain, repeat

import pytest

from accounts.audit import record_event
from accounts.models import AuditEvent, Message
from accounts.services import queue_notice
from accounts.tasks import deliver_message, deliver_messages, sweep_messages
from tests.factories import UserFactory
from verification.models import ContactMethod, OutboxEntry

pytestmark = pytest.mark.django_db


def notice_for(user):
    return queue_notice(event=record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user))


@pytest.mark.parametrize(
    ("language", "subject"),
    [("en", "Your Example Organisation password was changed"),
     ("sv", "Ditt lösenord för Example Organisation har ändrats")],
)
def test_a_password_change_notice_goes_out_in_the_users_language(language, subject):
    user = UserFactory(language=language)
    (notice,) = notice_for(user)

    deliver_message(notice.pk)

    (entry,) = OutboxEntry.objects.all()
    assert entry.to == user.email
    assert entry.subject == subject
    assert notice.event.support_code in entry.body
    assert notice.event.support_code in entry.html_body


def test_a_notice_is_sent_once_however_often_its_task_runs():
    (notice,) = notice_for(UserFactory())
    deliver_message(notice.pk)
    deliver_message(notice.pk)
    assert OutboxEntry.objects.count() == 1
    notice.refresh_from_db()
    assert (notice.status, notice.send_tries) == (Message.Status.SENT, 1)


def test_no_email_for_a_user_without_one():
    assert notice_for(UserFactory(email="")) == []
    assert OutboxEntry.objects.count() == 0


def test_each_address_is_a_message_of_its_own():
    user = UserFactory(email="erik@example.org")
    ContactMethod.objects.create(user=user, kind=ContactMethod.Kind.EMAIL,
                                 destination="erik.home@example.net")
    notices = notice_for(user)
    assert sorted(n.to for n in notices) == ["erik.home@example.net", "erik@example.org"]


def overdue(message, seconds=60):
    Message.objects.filter(pk=message.pk).update(
        next_try_at=message.created_at - timedelta(seconds=seconds))


def test_the_sweep_queues_what_the_broker_never_took_and_nothing_scheduled_later(
        settings, monkeypatch):
    settings.SSPR_SWEEP_GRACE_SECONDS = 30
    (stuck,) = notice_for(UserFactory())
    (fresh,) = notice_for(UserFactory())
    (waiting,) = notice_for(UserFactory())
    overdue(stuck)
    Message.objects.filter(pk=waiting.pk).update(
        send_tries=1, next_try_at=waiting.created_at + timedelta(minutes=5))

    assert sweep_messages() == 1

    assert Message.objects.get(pk=stuck.pk).status == Message.Status.SENT
    assert Message.objects.get(pk=fresh.pk).status == Message.Status.PENDING
    assert Message.objects.get(pk=waiting.pk).status == Message.Status.PENDING
    assert OutboxEntry.objects.count() == 1


def refuse(monkeypatch, *replies):
    """Make the SMTP server answer RCPT with each reply in turn, then accept."""
    replies = list(replies)
    calls = []

    def send_messages(self, messages):
        calls.append(messages[0].to[0])
        if replies:
            code = replies.pop(0)
            raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (code, b"scripted")})
        return len(messages)

    monkeypatch.setattr("verification.senders.outbox.OutboxEmailBackend.send_messages",
                        send_messages)
    return calls


def test_a_greylisted_notice_is_retried_and_a_refused_one_is_failed_audited_and_alerted(
        monkeypatch, settings):
    settings.SSPR_SEND_RETRY_SECONDS = 0
    UserFactory(is_staff=True, email="it@example.org")
    calls = refuse(monkeypatch, 451, 550)
    (notice,) = notice_for(UserFactory(email="erik@example.org"))

    # The retry is queued at once in the suite's eager mode, and runs inside this call.
    assert deliver_message(notice.pk) == Message.Status.PENDING
    assert deliver_message(notice.pk) == ""

    assert calls == ["erik@example.org", "erik@example.org"]
    notice.refresh_from_db()
    assert (notice.status, notice.send_tries, notice.failure) == (
        Message.Status.FAILED, 2, "smtp 550 recipient refused")
    event = AuditEvent.objects.get(type=AuditEvent.Type.MESSAGE_FAILED)
    assert event.details["reason"] == "smtp 550 recipient refused"
    (alert,) = Message.objects.filter(template="delivery_failed")
    assert alert.to == "it@example.org"


def erik_with_a_home_address():
    user = UserFactory(email="erik@example.org")
    ContactMethod.objects.create(user=user, kind=ContactMethod.Kind.EMAIL,
                                 destination="erik.home@example.net")
    return user


def test_a_notice_to_each_address_is_one_task_for_the_worker(
        monkeypatch, django_capture_on_commit_callbacks):
    handed = []
    monkeypatch.setattr("accounts.messages.enqueue",
                        lambda task, *args, **kwargs: handed.append((task.name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        notices = notice_for(erik_with_a_home_address())

    assert handed == [("accounts.tasks.deliver_messages", ([n.pk for n in notices],))]


def test_one_refused_address_does_not_keep_the_notice_from_the_other(monkeypatch, settings):
    UserFactory(is_staff=True, email="it@example.org")
    calls = refuse(monkeypatch, 550)
    notices = notice_for(erik_with_a_home_address())

    statuses = deliver_messages([n.pk for n in notices])

    assert statuses == [Message.Status.FAILED, Message.Status.SENT]
    assert calls == [notices[0].to, notices[1].to]
    assert [m.status for m in Message.objects.filter(pk__in=[n.pk for n in notices])
            .order_by("pk")] == statuses


def test_messages_still_unsent_at_half_their_lease_are_left_to_the_sweep(monkeypatch, settings):
    settings.SSPR_SEND_LEASE_SECONDS = 120
    clock = chain([0, 10], repeat(61))  # the start, then before each send
    monkeypatch.setattr("accounts.delivery.time.monotonic", lambda: next(clock))
    first, second = notice_for(erik_with_a_home_address())

    assert deliver_messages([first.pk, second.pk]) == [Message.Status.SENT,
                                                      Message.Status.SENDING]

    (entry,) = OutboxEntry.objects.all()
    assert entry.to == first.to
    second.refresh_from_db()
    assert (second.status, second.send_tries) == (Message.Status.SENDING, 1)
