"""The send limits of SPEC 6.1, counted in the database, and the phone budget's breaker."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import UserFactory
from verification import services
from verification.models import OutboxEntry, PhoneBudgetAlert, VerificationCode
from verification.services.status import PHONE_BUDGET_CACHE_KEY

pytestmark = pytest.mark.django_db

RESET = VerificationCode.Purpose.RESET


@pytest.fixture(autouse=True)
def _no_cooldown(settings):
    """Each test here is about one limit; the resend cooldown has its own tests."""
    settings.SSPR_CODE_RESEND_SECONDS = 0


@pytest.fixture
def send(committed):
    def send(user, channel="sms", destination="+46701740611", ip="192.0.2.10"):
        request = RequestFactory().post("/", REMOTE_ADDR=ip)
        request.user = user
        with committed():
            return services.send_code(user=user, purpose=RESET, channel=channel,
                                      destination=destination, request=request)
    return send


def refusal(send, *args, **kwargs) -> str:
    with pytest.raises(services.CodeNotSent) as refused:
        send(*args, **kwargs)
    return refused.value.reason


def test_an_account_gets_at_most_ten_email_codes_in_ten_minutes(send, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(10):
            send(user, channel="email", destination="vera.home@example.net")
        assert refusal(send, user, channel="email", destination="other@example.net") \
            == "email_limit"
    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        send(user, channel="email", destination="vera.home@example.net")


def test_a_number_gets_at_most_five_texts_or_calls_an_hour_whoever_asks(send):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(5):
            send(UserFactory(), channel="sms" if i % 2 else "voice", ip=f"192.0.2.{i}")
        assert refusal(send, UserFactory(), ip="198.51.100.1") == "number_limit"
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        send(UserFactory())


def test_a_number_gets_at_most_ten_texts_or_calls_a_day(send):
    start = timezone.now()
    for hour in range(2):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            for _ in range(5):
                send(UserFactory())
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert refusal(send, UserFactory()) == "number_limit"
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        send(UserFactory())


def test_a_client_address_gets_at_most_twenty_codes_an_hour(send):
    for i in range(20):
        send(UserFactory(), channel="email", destination=f"p{i}@example.net")
    assert refusal(send, UserFactory(), channel="email", destination="x@example.net") \
        == "address_limit"
    send(UserFactory(), channel="email", destination="y@example.net", ip="192.0.2.99")


def test_the_limits_hold_when_the_cache_is_flushed(send, user):
    for _ in range(10):
        send(user, channel="email", destination="vera.home@example.net")
    cache.clear()
    assert refusal(send, user, channel="email", destination="vera.home@example.net") \
        == "email_limit"


def test_texts_and_calls_go_only_to_allowed_countries(send, user, settings):
    assert refusal(send, user, destination="+447400123456") == "country"
    settings.SSPR_PHONE_COUNTRIES = ["SE", "GB"]
    send(user, destination="+447400123456")
    assert OutboxEntry.objects.get().to == "+447400123456"


def test_a_refused_send_is_audited_and_sends_nothing(send, user):
    refusal(send, user, destination="+12025550123")
    event = AuditEvent.objects.get(type=AuditEvent.Type.CODE_SENT)
    assert (event.outcome, event.details["refused"]) == (AuditEvent.Outcome.FAILURE, "country")
    assert not VerificationCode.objects.exists()
    assert not OutboxEntry.objects.exists()


def test_the_hourly_budget_switches_phones_off_and_alerts_staff_once(send, settings):
    settings.SSPR_PHONE_HOURLY_BUDGET = 3
    UserFactory(username="ops", email="ops@example.org", is_staff=True)
    UserFactory(username="not-staff", email="user@example.org")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(3):
            send(UserFactory(), destination=f"+4670174062{i}", ip=f"192.0.2.{i}")

        assert services.phone_channels() == []
        assert refusal(send, UserFactory(), destination="+46701740629") == "phone_budget"
        assert refusal(send, UserFactory(), destination="+46701740628") == "phone_budget"
        send(UserFactory(), channel="email", destination="still@example.net")  # email works

    (alert,) = PhoneBudgetAlert.objects.all()
    assert alert.messages_last_hour == 3
    (email,) = OutboxEntry.objects.filter(channel="email", to="ops@example.org")
    assert "texts and calls switched off" in email.subject
    assert not OutboxEntry.objects.filter(to="user@example.org").exists()
    # The page-side state of the budget is cached for seconds; an hour on, that has expired.
    # Redis keeps its own clock, which the travelling clock does not move, so say so here.
    cache.delete(PHONE_BUDGET_CACHE_KEY)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert services.phone_channels() == ["sms", "voice"]
        send(UserFactory(), destination="+46701740627")


def test_the_number_limit_counts_messages_handed_to_the_provider_not_rows(send, user):
    """A slow provider made one code four texts (timeouts whose texts arrived anyway):
    those are texts paid for and received, and the limit of five per hour counts them."""
    first = send(user)
    VerificationCode.objects.filter(pk=first.pk).update(send_tries=4)
    send(user, destination="+46701740611")

    assert refusal(send, user) == "number_limit"
    assert VerificationCode.objects.count() == 2
