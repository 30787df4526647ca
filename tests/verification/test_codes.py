"""The code rules, one by one: each test tries to get a code accepted that must not be."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent
from verification import services
from verification.codes import Result
from verification.models import OutboxEntry, VerificationCode
from verification.services.sending import enqueue
from verification.tasks import deliver_code

from .helpers import last_code

pytestmark = pytest.mark.django_db

PHONE = "+46701740611"
REGISTRATION, RESET = VerificationCode.Purpose.REGISTRATION, VerificationCode.Purpose.RESET


@pytest.fixture
def send(committed, user):
    def send(purpose=REGISTRATION, channel="sms", destination=PHONE, **kwargs):
        with committed():
            return services.send_code(user=user, purpose=purpose, channel=channel,
                                      destination=destination, **kwargs)
    return send


@pytest.fixture
def verify(user):
    def verify(code, purpose=REGISTRATION, kind="phone", **kwargs):
        return services.verify_code(user=user, purpose=purpose, kind=kind, code=code, **kwargs)
    return verify


def test_a_code_is_six_digits_that_neither_the_row_nor_the_audit_log_holds(send):
    row = send()

    code = last_code(PHONE)
    row.refresh_from_db()
    assert len(code) == 6
    assert code.isdigit()
    assert row.status == VerificationCode.Status.SENT
    assert code not in str(list(VerificationCode.objects.values_list()))
    assert code not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_the_web_request_queues_only_the_row_id(django_capture_on_commit_callbacks, user):
    with django_capture_on_commit_callbacks() as callbacks:
        row = services.send_code(user=user, purpose=REGISTRATION, channel="sms",
                                 destination=PHONE)

    (callback,) = callbacks
    assert callback.func is enqueue
    assert callback.args == (deliver_code, row.pk)
    assert VerificationCode.objects.get().send_tries == 0  # nobody has a code before the worker


def test_the_right_code_is_accepted_once_and_never_again(send, verify):
    send()
    code = last_code(PHONE)

    assert verify(code).result is Result.ACCEPTED
    assert verify(code).result is Result.DEAD


def test_spaces_in_a_typed_code_do_not_matter(send, verify):
    send()
    code = last_code(PHONE)
    assert verify(f" {code[:3]} {code[3:]} ").accepted


def test_a_code_works_until_five_minutes_and_not_after(send, verify):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send()
    code = last_code(PHONE)

    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        assert verify(code).result is Result.DEAD
    with time_machine.travel(start + timedelta(minutes=4, seconds=59), tick=False):
        assert verify(code).accepted


def test_the_sixth_try_fails_even_with_the_right_code(send, verify):
    send()
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    results = [verify(wrong).result for _ in range(5)]

    assert results == [Result.WRONG] * 5
    assert verify(code).result is Result.DEAD
    assert VerificationCode.objects.get().failed_tries == 5


def test_a_code_for_another_purpose_or_attempt_is_refused(send, verify):
    send(purpose=RESET, reset_attempt="attempt-1")
    code = last_code(PHONE)

    assert verify(code, purpose=REGISTRATION).result is Result.DEAD
    assert verify(code, purpose=RESET, reset_attempt="attempt-2").result is Result.DEAD
    assert verify(code, purpose=RESET, kind="email", reset_attempt="attempt-1").result \
        is Result.DEAD
    assert verify(code, purpose=RESET, reset_attempt="attempt-1").accepted


def test_a_resend_within_the_cooldown_is_refused(send):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send()
    with time_machine.travel(start + timedelta(seconds=59), tick=False), \
            pytest.raises(services.CodeNotSent) as refused:
        send()
    assert refused.value.reason == "cooldown"
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        send()
    assert OutboxEntry.objects.count() == 2


def test_a_new_code_kills_the_old_one(send, verify):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send()
    old = last_code(PHONE)
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        send(channel="voice")
        new = last_code(PHONE)

        old_row = VerificationCode.objects.get(channel="sms")
        assert old_row.replaced_at is not None
        assert not old_row.accepts_tries()
        if old != new:  # one chance in a million that the digits repeat
            assert not verify(old).accepted
        assert verify(new).accepted


def test_a_code_past_its_lifetime_by_the_databases_clock_is_never_sent(
        django_capture_on_commit_callbacks, user):
    with django_capture_on_commit_callbacks():
        row = services.send_code(user=user, purpose=REGISTRATION, channel="sms",
                                 destination=PHONE)  # the broker never took it
    expired = timezone.now() - timedelta(seconds=1)
    VerificationCode.objects.filter(pk=row.pk).update(expires_at=expired)

    deliver_code.apply(args=[row.pk])

    row.refresh_from_db()
    assert (row.status, row.send_tries) == (VerificationCode.Status.SKIPPED, 0)
    assert not OutboxEntry.objects.exists()


def test_a_worker_whose_clock_is_six_minutes_fast_still_sends_a_fresh_code(
        django_capture_on_commit_callbacks, user):
    with django_capture_on_commit_callbacks():
        row = services.send_code(user=user, purpose=REGISTRATION, channel="sms",
                                 destination=PHONE)

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        deliver_code.apply(args=[row.pk])

    row.refresh_from_db()
    assert row.status == VerificationCode.Status.SENT
    assert OutboxEntry.objects.count() == 1


def test_a_message_is_sent_at_most_once_however_often_its_task_runs(send):
    row = send()
    deliver_code.apply(args=[row.pk])
    deliver_code.apply(args=[row.pk])
    assert OutboxEntry.objects.count() == 1


def test_a_rejected_code_is_audited_without_the_code(send, verify):
    send()
    verify("000000" if last_code(PHONE) != "000000" else "111111")
    event = AuditEvent.objects.get(type=AuditEvent.Type.CODE_REJECTED)
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert event.details["result"] == "wrong"
    assert set(event.details) == {"purpose", "kind", "result", "code_id"}


@pytest.mark.parametrize(("language", "words"), [("en", "verification code"),
                                                 ("sv", "verifieringskod")])
def test_texts_and_calls_speak_the_persons_language(send, user, language, words):
    user.language = language
    user.save()
    send(channel="voice")
    call = OutboxEntry.objects.get()
    assert call.channel == "voice"
    assert words in call.body
    # Read twice, digits apart so they are spoken one by one.
    first, second = call.body.splitlines()
    assert first == second
    assert " ".join(last_code(PHONE)) in first
