"""A new code goes where this attempt's code went; the wait belongs to the attempt."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from verification.forms import EmailForm
from verification.models import OutboxEntry, VerificationCode

from .conftest import ALT_EMAIL, PHONE, identify

pytestmark = pytest.mark.django_db

SMS = reverse("reset:gate", kwargs={"method": "sms"})


def sent_to(to: str) -> int:
    return OutboxEntry.objects.filter(to__contains=to).count()


@pytest.mark.parametrize("user_id", ["hanna", "ghost"])
def test_asking_again_too_soon_says_how_long_to_wait(client, registered, user_id):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        identify(client, user_id)
        client.post(reverse("reset:verify"), {"method": "sms"})
        client.post(SMS, {"destination": PHONE})
        clock.shift(timedelta(seconds=18))
        page = client.post(SMS, {"resend": "1"}, follow=True).content.decode()
    assert "You can ask for another code in 42 seconds." in page
    assert "a new code is on its way" not in page


def test_send_a_new_code_sends_it_to_the_number_given_for_this_attempt(client, registered):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        identify(client, "hanna")
        client.post(reverse("reset:verify"), {"method": "sms"})
        client.post(SMS, {"destination": "070-123 45 67"})
        clock.shift(timedelta(seconds=61))
        client.post(SMS, {"resend": "1"})
    assert sent_to(PHONE) == 2
    assert VerificationCode.objects.filter(destination=PHONE).count() == 2


def test_a_call_right_after_a_text_waits_and_says_so_instead_of_pretending(client, registered):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        identify(client, "hanna")
        client.post(reverse("reset:verify"), {"method": "sms"})
        client.post(SMS, {"destination": PHONE})
        clock.shift(timedelta(seconds=10))
        client.post(reverse("reset:verify"), {"method": "mobile_call"})
        call = reverse("reset:gate", kwargs={"method": "mobile_call"})
        page = client.post(call, {"destination": PHONE}, follow=True).content.decode()
        assert "You can ask for another code in 50 seconds." in page
        assert "we're calling it now" not in page
        clock.shift(timedelta(seconds=51))
        page = client.post(call, {"destination": PHONE}, follow=True).content.decode()
    assert "we're calling it now" in page
    assert VerificationCode.objects.filter(channel="voice").count() == 1


@pytest.mark.parametrize("typed", ["ALT.Address@Example.NET", " alt.address@example.net "])
def test_an_address_is_compared_as_registration_stores_it(client, registered, typed):
    identify(client, "hanna")
    client.post(reverse("reset:verify"), {"method": "email"})
    client.post(reverse("reset:gate", kwargs={"method": "email"}), {"destination": typed})
    assert sent_to(ALT_EMAIL) == 1


@pytest.mark.parametrize("typed", ["a@exämple.org", "a@xn--exmple-cua.org", "ä@b.se",
                                   "a@b..c", "@", "x" * 10_000, "a@b\x00c"])
def test_no_typed_address_reaches_an_exception(client, registered, typed):
    identify(client, "hanna")
    client.post(reverse("reset:verify"), {"method": "email"})
    url = reverse("reset:gate", kwargs={"method": "email"})
    assert client.post(url, {"destination": typed}).status_code in {200, 302}
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("registered_as", "typed"), [
    ("Anna@XN--Exmple-cua.org", "anna@exämple.org"),
    ("Åsa.Öberg@Exämple.se", "A\u030aSA.O\u0308BERG@xn--exmple-cua.se"),
])
def test_an_internationalised_address_can_be_used(client, registered, registered_as, typed):
    """Registration and the gate normalise alike, so any spelling of the address matches."""
    stored = EmailForm({"address": registered_as}, user=registered)
    assert stored.is_valid(), stored.errors
    registered.contact_methods.filter(kind="email").update(
        destination=stored.cleaned_data["address"])
    identify(client, "hanna")
    client.post(reverse("reset:verify"), {"method": "email"})
    client.post(reverse("reset:gate", kwargs={"method": "email"}), {"destination": typed})
    assert sent_to(stored.cleaned_data["address"]) == 1
