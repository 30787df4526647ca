"""Delivery at the edge: a real worker against an SMTP server and a Twilio fake that refuse
(421, 451, 550), hang past the timeout, accept and answer late, or are held. For each, how
many messages reach the recipient and how many provider calls were made is exact."""

import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.audit import record_event
from accounts.messages import alert_staff_of_failure
from accounts.models import AuditEvent, Message
from accounts.services import queue_notice
from accounts.tasks import sweep_messages
from sspr.celery import app as celery_app
from tests.factories import UserFactory
from verification import services
from verification.models import ContactMethod, VerificationCode
from verification.tasks import sweep_pending_messages

from .conftest import start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = "+46701740650"
WORK, HOME = "erik@example.org", "erik.home@example.net"


def settled(model, **filters):
    """Wait until no row of `model` is waiting or being sent."""
    wait_until(lambda: not model.objects.filter(status__in=["pending", "sending"],
                                                **filters).exists())


def code_in(text: str) -> str:
    return re.search(r"\b\d{6}\b", text).group(0)


def notice_for(user):
    return queue_notice(event=record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user))


@pytest.fixture
def erik():
    user = UserFactory(email=WORK)
    ContactMethod.objects.create(user=user, kind=ContactMethod.Kind.EMAIL, destination=HOME)
    UserFactory(is_staff=True, email="it@example.org")
    return user


def test_a_refused_alternate_address_never_repeats_the_notice_to_the_work_address(
        postgres, celery_worker, smtp_inbox, erik, settings):
    settings.SSPR_SWEEP_GRACE_SECONDS = 0
    smtp_inbox.rcpt_script[HOME] = ["550"]
    notice_for(erik)
    settled(Message, to__in=[WORK, HOME])
    for _ in range(3):
        sweep_messages()  # the minute sweep, run as often as a few minutes would
    smtp_inbox.wait_for(2)  # the work address's notice and the staff alert
    time.sleep(1)

    assert len(smtp_inbox.to(WORK)) == 1
    assert smtp_inbox.to(HOME) == []
    assert (smtp_inbox.rcpts.count(WORK), smtp_inbox.rcpts.count(HOME)) == (1, 1)
    failed = Message.objects.get(to=HOME)
    assert (failed.status, failed.failure) == ("failed", "smtp 550 recipient refused")
    assert AuditEvent.objects.filter(type=AuditEvent.Type.MESSAGE_FAILED).count() == 1
    assert len(smtp_inbox.to("it@example.org")) == 1


def test_a_notice_to_two_addresses_travels_over_one_smtp_connection(
        postgres, celery_worker, smtp_inbox, erik):
    notice_for(erik)
    settled(Message, to__in=[WORK, HOME])

    assert sorted(smtp_inbox.rcpts) == sorted([WORK, HOME])
    assert len(set(smtp_inbox.peers)) == 1
    assert len(smtp_inbox.to(WORK)) == len(smtp_inbox.to(HOME)) == 1


@pytest.mark.parametrize("reply", ["421", "451"])
def test_try_again_later_is_retried_and_delivers_exactly_once(
        postgres, celery_worker, smtp_inbox, erik, reply):
    smtp_inbox.rcpt_script[WORK] = [reply, reply]
    smtp_inbox.rcpt_script[HOME] = []
    notice_for(erik)
    settled(Message, to__in=[WORK, HOME])
    time.sleep(1)

    assert len(smtp_inbox.to(WORK)) == 1
    assert len(smtp_inbox.to(HOME)) == 1
    assert (smtp_inbox.rcpts.count(WORK), smtp_inbox.rcpts.count(HOME)) == (3, 1)
    assert Message.objects.get(to=WORK).send_tries == 3


def test_a_greylisted_email_code_is_retried_with_the_same_code(
        postgres, celery_worker, smtp_inbox):
    smtp_inbox.rcpt_script[HOME] = ["451"]
    user = UserFactory()
    row = services.send_code(user=user, purpose="registration", channel="email",
                             destination=HOME)
    (message,) = smtp_inbox.wait_for(1)
    settled(VerificationCode)

    assert smtp_inbox.rcpts.count(HOME) == 2
    row.refresh_from_db()
    assert (row.status, row.send_tries) == ("sent", 2)
    assert services.verify_code(user=user, purpose="registration", kind="email",
                                code=code_in(message["Subject"])).accepted


def test_an_smtp_server_answering_late_gets_the_same_code_twice_and_it_works(
        postgres, celery_worker, smtp_inbox):
    smtp_inbox.data_script[:] = ["late"]
    user = UserFactory()
    services.send_code(user=user, purpose="registration", channel="email", destination=HOME)
    messages = smtp_inbox.wait_for(2)
    settled(VerificationCode)
    time.sleep(1)

    assert len(smtp_inbox.to(HOME)) == 2
    assert smtp_inbox.rcpts.count(HOME) == 2
    (code,) = {code_in(m["Subject"]) for m in messages}
    assert services.verify_code(user=user, purpose="registration", kind="email",
                                code=code).accepted


def test_an_smtp_server_hanging_past_the_timeout_is_retried_and_delivers_once(
        postgres, celery_worker, smtp_inbox):
    smtp_inbox.data_script[:] = ["hang"]
    (notice,) = notice_for(UserFactory(email="solo@example.org"))
    smtp_inbox.wait_for(1)
    settled(Message, pk=notice.pk)
    time.sleep(1)

    assert len(smtp_inbox.to("solo@example.org")) == 1
    assert smtp_inbox.rcpts.count("solo@example.org") == 2


def test_429s_are_tried_at_most_the_limit_however_often_the_sweep_runs(
        postgres, celery_worker, fake_twilio, smtp_inbox, settings):
    settings.SSPR_SWEEP_GRACE_SECONDS = 0
    fake_twilio.script[:] = ["429"] * 20
    UserFactory(is_staff=True, email="it@example.org")
    user = UserFactory()
    row = services.send_code(user=user, purpose="registration", channel="sms",
                             destination=PHONE)
    deadline = time.monotonic() + 60
    while VerificationCode.objects.get(pk=row.pk).status != "failed":
        sweep_pending_messages()  # a sweep that hurried scheduled retries would add calls
        assert time.monotonic() < deadline, "the message never failed"
        time.sleep(0.05)
    smtp_inbox.wait_for(1)
    time.sleep(1)

    assert len(fake_twilio.requests) == 6
    row.refresh_from_db()
    assert (row.send_tries, row.failure) == (6, "twilio 429 20429")
    assert AuditEvent.objects.filter(type=AuditEvent.Type.MESSAGE_FAILED).count() == 1
    assert len(smtp_inbox.to("it@example.org")) == 1


def test_a_burst_of_failures_alerts_staff_once(
        postgres, celery_worker, fake_twilio, smtp_inbox):
    fake_twilio.script[:] = ["400"] * 3
    UserFactory(is_staff=True, email="it@example.org")
    for number in ("+46701740651", "+46701740652", "+46701740653"):
        services.send_code(user=UserFactory(), purpose="registration", channel="sms",
                           destination=number)
    settled(VerificationCode)
    smtp_inbox.wait_for(1)
    settled(Message)
    time.sleep(1)

    assert VerificationCode.objects.filter(status="failed").count() == 3
    assert len(smtp_inbox.to("it@example.org")) == 1
    assert Client().get(reverse("healthz")).json()["failed_deliveries_last_hour"] == 3


def in_thread(work, errors: list) -> threading.Event:
    """Run `work` in a thread of its own (its own database connection); set when it ends."""
    done = threading.Event()

    def run():
        try:
            work()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()
            done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


def test_failures_settling_at_once_alert_staff_once(postgres):
    """Worker threads record final failures in parallel: the second must wait for the first
    one's alert to commit and see it, not send its own."""
    UserFactory(is_staff=True, email="it@example.org")
    first_queued, errors = threading.Event(), []

    def first():
        with transaction.atomic():
            alert_staff_of_failure(reason="smtp 550")
            first_queued.set()
            time.sleep(1)  # still uncommitted while the second failure settles

    def second():
        first_queued.wait(10)
        with transaction.atomic():
            alert_staff_of_failure(reason="smtp 550")

    done = [in_thread(first, errors), in_thread(second, errors)]
    assert all(event.wait(30) for event in done)
    assert errors == []
    assert Message.objects.filter(template="delivery_failed").count() == 1


def test_a_held_provider_blocks_no_code_check_resend_or_page(
        postgres, celery_worker, fake_twilio, worker_env, tmp_path, settings):
    """A worker patient enough to wait 30 s on Twilio is sending while the test holds Twilio;
    checking a code, asking for a new one and other pages all finish meanwhile."""
    settings.SSPR_CODE_RESEND_SECONDS = 0
    fake_twilio.script[:] = ["hold"]
    celery_app.control.cancel_consumer("celery", destination=[celery_worker.name], reply=True)
    patient = start_worker({**worker_env, "SSPR_TWILIO_TIMEOUT": "30"},
                           tmp_path / "patient.log", "patient")
    try:
        user = UserFactory()
        row = services.send_code(user=user, purpose="registration", channel="sms",
                                 destination=PHONE)
        fake_twilio.wait_for(1)  # the provider now holds the worker's call
        work = [
            lambda: services.verify_code(user=user, purpose="registration", kind="phone",
                                         code="000000"),
            lambda: services.send_code(user=user, purpose="registration", channel="sms",
                                       destination=PHONE),
            lambda: Client().get(reverse("reset:identify")),
        ]
        errors = []
        finished = [in_thread(w, errors) for w in work]
        held = [done.wait(timeout=10) for done in finished]
        assert not fake_twilio.release.is_set()
        assert held == [True, True, True], "a request waited on the held provider"
        assert errors == []
        fake_twilio.release.set()
        settled(VerificationCode)
        row.refresh_from_db()
        assert row.status == "sent"
        assert row.replaced_at is not None
    finally:
        fake_twilio.release.set()
        patient.terminate()
        patient.wait(timeout=30)
        celery_app.control.add_consumer("celery", destination=[celery_worker.name],
                                        reply=True)
