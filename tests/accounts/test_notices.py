from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.audit import record_event
from accounts.models import AuditEvent, Notice
from accounts.services import queue_notice
from accounts.tasks import send_security_notice, sweep_notices
from tests.factories import UserFactory
from verification.models import OutboxEntry

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
    notice = notice_for(user)

    send_security_notice(notice.pk)

    (entry,) = OutboxEntry.objects.all()
    assert entry.to == user.email
    assert entry.subject == subject
    assert notice.event.support_code in entry.body
    assert notice.event.support_code in entry.html_body


def test_a_notice_is_sent_once_however_often_its_task_runs():
    notice = notice_for(UserFactory())
    send_security_notice(notice.pk)
    send_security_notice(notice.pk)
    assert OutboxEntry.objects.count() == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None


def test_no_email_for_a_user_without_one():
    notice = notice_for(UserFactory(email=""))
    send_security_notice(notice.pk)
    assert OutboxEntry.objects.count() == 0


def test_the_sweep_queues_again_what_the_broker_never_took():
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        stuck = Notice.objects.create(event=record_event(
            type=AuditEvent.Type.PASSWORD_CHANGED, subject=UserFactory()))
        fresh_start = start + timedelta(minutes=3)
        clock.move_to(fresh_start)
        fresh = Notice.objects.create(event=record_event(
            type=AuditEvent.Type.PASSWORD_CHANGED, subject=UserFactory()))

        assert sweep_notices() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.sent_at is not None
    assert fresh.sent_at is None
