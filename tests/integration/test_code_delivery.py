"""Codes through a real Celery worker and Redis: email to a real SMTP server, texts and calls
through the twilio library to a local fake of Twilio's API, its failures, and a killed worker."""

import os
import re
import signal
import time

import pytest
import redis

from accounts.models import AuditEvent
from sspr.celery import app as celery_app
from tests.factories import UserFactory
from verification import services
from verification.models import VerificationCode
from verification.tasks import sweep_pending_messages

from .conftest import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = "+46701740650"


def send(user, channel, destination=PHONE):
    return services.send_code(user=user, purpose="registration", channel=channel,
                              destination=destination)


def wait_for_status(row, status, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.status == status:
            return row
        time.sleep(0.1)
    pytest.fail(f"code {row.pk} is {row.status}, not {status}")


def code_in(text: str) -> str:
    return re.search(r"\b\d{6}\b", text).group(0)


def accepted(user, kind, code) -> bool:
    return services.verify_code(user=user, purpose="registration", kind=kind, code=code).accepted


def test_an_email_code_goes_through_the_worker_to_smtp_and_verifies(
        postgres, celery_worker, smtp_inbox):
    user = UserFactory(language="sv")
    send(user, "email", "dana.home@example.net")

    (message,) = smtp_inbox.wait_for(1)

    assert message["X-Envelope-To"] == "dana.home@example.net"
    code = code_in(message["Subject"])
    assert code in message.get_body(("plain",)).get_content()
    assert code in message.get_body(("html",)).get_content()
    assert "verifieringskod" in message["Subject"]
    assert accepted(user, "email", code)


def test_a_text_goes_through_the_twilio_library_with_to_from_and_body(
        postgres, celery_worker, fake_twilio):
    user = UserFactory()
    row = send(user, "sms")

    (request,) = fake_twilio.wait_for(1)
    wait_for_status(row, "sent")

    assert request["path"] == f"/2010-04-01/Accounts/{fake_twilio.SID}/Messages.json"
    assert request["auth"] == f"{fake_twilio.SID}:{fake_twilio.TOKEN}"
    assert (request["form"]["To"], request["form"]["From"]) == (PHONE, fake_twilio.FROM)
    body = request["form"]["Body"]
    assert "is your Example Organisation verification code" in body
    assert accepted(user, "phone", code_in(body))


def test_a_call_reads_the_code_twice_in_the_persons_language(
        postgres, celery_worker, fake_twilio):
    user = UserFactory(language="sv")
    send(user, "voice")

    (request,) = fake_twilio.wait_for(1)

    assert request["path"].endswith("/Calls.json")
    assert (request["form"]["To"], request["form"]["From"]) == (PHONE, fake_twilio.FROM)
    twiml = request["form"]["Twiml"]
    says = re.findall(r'<Say language="sv-SE" voice="Polly.Astrid">([^<]+)</Say>', twiml)
    assert len(says) == 2
    assert says[0] == says[1]
    assert "Din verifieringskod är" in says[0]
    code = "".join(re.findall(r"\d", says[0].split(":")[-1]))
    assert twiml.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    wait_for_status(VerificationCode.objects.get(), "sent")
    assert accepted(user, "phone", code)


def test_500_429_and_a_late_answer_are_retried_with_the_same_code_which_works(
        postgres, celery_worker, fake_twilio):
    fake_twilio.script[:] = ["500", "429", "timeout"]
    user = UserFactory()
    row = send(user, "sms")

    requests = fake_twilio.wait_for(4)
    row = wait_for_status(row, "sent")
    time.sleep(1)  # long enough for any extra try to have happened

    assert [r["reply"] for r in requests] == ["500", "429", "timeout", "201"]
    assert row.send_tries == 4
    # The late answer was a delivery: the person got two texts, both with the working code.
    (code,) = {code_in(r["form"]["Body"]) for r in requests}
    assert accepted(user, "phone", code)


def test_a_400_is_not_retried_and_is_recorded_and_audited(postgres, celery_worker, fake_twilio):
    fake_twilio.script[:] = ["400"]
    user = UserFactory()
    row = send(user, "sms")

    row = wait_for_status(row, "failed")
    time.sleep(1.5)  # long enough for any retry to have happened

    assert len(fake_twilio.requests) == 1
    assert (row.failure, row.send_tries) == ("twilio 400 20400", 1)
    event = AuditEvent.objects.get(type=AuditEvent.Type.MESSAGE_FAILED)
    assert (event.subject, event.details["reason"]) == (user, "twilio 400 20400")


def test_a_worker_killed_mid_send_leaves_the_message_for_the_next_worker(
        postgres, celery_worker, fake_twilio, worker_env, tmp_path, settings):
    """The dying worker's claim runs out after its lease; the sweep queues the row and another
    worker sends the same code again, which works."""
    fake_twilio.script[:] = ["hang"]
    broker = redis.Redis.from_url(settings.REDIS_URL)
    celery_app.control.cancel_consumer("celery", destination=[celery_worker.name], reply=True)
    doomed = start_worker(worker_env, tmp_path / "doomed.log", "doomed")
    try:
        user = UserFactory()
        row = send(user, "sms")
        (hung,) = fake_twilio.wait_for(1)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        celery_app.control.add_consumer("celery", destination=[celery_worker.name],
                                        reply=True)

    row = wait_for_status(row, "sending")
    settings.SSPR_SWEEP_GRACE_SECONDS = 0
    assert sweep_pending_messages() == 0  # its lease has not run out: it may still be sent
    time.sleep(int(worker_env["SSPR_SEND_LEASE_SECONDS"]) + 0.5)
    assert sweep_pending_messages() == 1
    requests = fake_twilio.wait_for(2)
    row = wait_for_status(row, "sent")

    assert row.send_tries == 2
    assert code_in(hung["form"]["Body"]) == code_in(requests[1]["form"]["Body"])
    assert accepted(user, "phone", code_in(hung["form"]["Body"]))
    # The killed worker's unacknowledged message would come back after the visibility
    # timeout and find the row sent; drop it so it cannot touch a later test run's rows.
    broker.delete("unacked", "unacked_index")
