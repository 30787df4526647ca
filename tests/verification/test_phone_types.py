"""Only numbers a person can own: texts to mobiles, calls to mobiles and landlines; premium,
shared-cost, toll-free and other service numbers are refused at registration and again
before anything is sent (SMS pumping and call fraud live on those)."""

from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import translation

from verification import services
from verification.models import OutboxEntry, VerificationCode
from verification.tasks import deliver_code

pytestmark = pytest.mark.django_db

MOBILE, LANDLINE = "+46701740650", "+4687654321"
PREMIUM, TOLL_FREE, SHARED_COST = "+46900123456", "+46200123456", "+46771123456"


@pytest.mark.parametrize("number", [PREMIUM, TOLL_FREE, SHARED_COST])
@pytest.mark.parametrize("channel", ["sms", "voice"])
def test_a_service_number_is_refused_at_registration_with_a_clear_message(
        signed_in, committed, number, channel):
    with committed():
        response = signed_in.post(reverse("verification:phone"),
                                  {"number": number, "channel": channel})

    assert response.status_code == HTTPStatus.OK
    assert "premium-rate, toll-free, shared-cost" in response.content.decode()
    assert not VerificationCode.objects.exists()
    assert not OutboxEntry.objects.exists()


def test_the_refusal_is_in_swedish_on_a_swedish_page(signed_in):
    with translation.override("sv"):
        response = signed_in.post(reverse("verification:phone"),
                                  {"number": PREMIUM, "channel": "sms"},
                                  HTTP_ACCEPT_LANGUAGE="sv")
    assert "betalnummer" in response.content.decode()


def test_a_landline_can_be_called_but_not_texted(signed_in, committed):
    with committed():
        texted = signed_in.post(reverse("verification:phone"),
                                {"number": LANDLINE, "channel": "sms"})
        called = signed_in.post(reverse("verification:phone"),
                                {"number": LANDLINE, "channel": "voice"})

    assert texted.status_code == HTTPStatus.OK
    assert called.url == reverse("verification:verify-phone")
    assert OutboxEntry.objects.get().channel == "voice"


@pytest.mark.parametrize("number", [PREMIUM, TOLL_FREE])
def test_sending_refuses_a_service_number_whoever_asks(user, number):
    with pytest.raises(services.CodeNotSent) as refused:
        services.send_code(user=user, purpose="reset", channel="voice", destination=number)
    assert refused.value.reason == "number_type"


def test_the_worker_refuses_a_service_number_before_any_provider_call(user, settings):
    row = VerificationCode.objects.create(user=user, purpose="reset", channel="sms",
                                          destination=PREMIUM,
                                          expires_at="2099-01-01T00:00:00Z")
    deliver_code.apply(args=[row.pk])
    row.refresh_from_db()
    assert (row.status, row.failure) == ("failed", "number type refused")
    assert not OutboxEntry.objects.exists()


def test_a_mobile_gets_texts_and_calls(user, committed):
    with committed():
        services.send_code(user=user, purpose="reset", channel="sms", destination=MOBILE)
    assert OutboxEntry.objects.get().to == MOBILE
