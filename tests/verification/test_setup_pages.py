"""/setup/: what a signed-in person sees, and registering each method through the pages."""

from html import unescape
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.urls import NoReverseMatch, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, ResetPolicy
from verification import services
from verification.models import ContactMethod, OutboxEntry, SecurityAnswer, SecurityQuestion

from .helpers import last_code

pytestmark = pytest.mark.django_db


def test_setup_needs_a_sign_in(client, setup_url):
    response = client.get(setup_url)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("accounts:sign-in"))


def test_setup_shows_only_the_methods_the_policy_enables(signed_in, setup_url):
    ResetPolicy.objects.update_or_create(pk=1, defaults={"allow_security_questions": False,
                                                         "allow_office_call": False})
    html = signed_in.get(setup_url).content.decode()
    assert "Authentication phone" in html
    assert "Authenticator app" in html
    assert "Security questions" not in html
    assert "Office phone" not in html


def test_changing_methods_needs_a_recently_typed_password(client, user):
    client.force_login(user)  # signed in, but no password typed in this session
    response = client.get(reverse("verification:phone"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("accounts:reauthenticate"))
    assert "next=%2Fsetup%2Fphone%2F" in response.url


def test_registering_a_phone_by_text(signed_in, user, committed):
    with committed():
        response = signed_in.post(reverse("verification:phone"),
                                  {"number": "070-174 06 12", "channel": "sms"})
    assert response.url == reverse("verification:verify-phone")
    page = signed_in.get(response.url).content.decode()
    assert "+46701740612" in page

    with committed():
        response = signed_in.post(reverse("verification:verify-phone"),
                                  {"code": last_code("+46701740612")})

    assert response.url == reverse("verification:setup")
    assert ContactMethod.objects.get(user=user).destination == "+46701740612"
    event = AuditEvent.objects.get(type=AuditEvent.Type.METHOD_REGISTERED)
    assert (event.subject, event.details) == (user, {"method": "phone", "channel": "sms"})
    notice = OutboxEntry.objects.get(channel="email", to=user.email)
    assert event.support_code in notice.body
    assert services.registered_methods(user) == {"phone"}


def test_a_wrong_code_is_an_error_tied_to_the_field(signed_in, user, committed):
    with committed():
        signed_in.post(reverse("verification:phone"),
                       {"number": "+46701740612", "channel": "voice"})
    code = last_code("+46701740612")
    wrong = "111111" if code != "111111" else "222222"

    response = signed_in.post(reverse("verification:verify-phone"), {"code": wrong})

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_code_error"' in html
    assert "That code is not right" in html
    assert not ContactMethod.objects.exists()


def test_a_phone_number_that_is_not_valid_is_refused(signed_in):
    response = signed_in.post(reverse("verification:phone"),
                              {"number": "12345", "channel": "sms"})
    assert "Enter a valid phone number" in response.content.decode()
    assert not OutboxEntry.objects.exists()


def test_a_refused_send_shows_why_on_the_form(signed_in):
    response = signed_in.post(reverse("verification:phone"),
                              {"number": "+12025550123", "channel": "sms"})
    assert response.status_code == HTTPStatus.OK
    assert "We can't text or call numbers in that country" in unescape(
        response.content.decode())


def test_registering_an_email_notifies_the_work_address_not_the_new_one(
        signed_in, user, committed):
    with committed():
        signed_in.post(reverse("verification:email"), {"address": "Vera.Home@Example.net"})
    with committed():
        signed_in.post(reverse("verification:verify-email"),
                       {"code": last_code("vera.home@example.net")})

    assert ContactMethod.objects.get(user=user, kind="email").destination == \
        "vera.home@example.net"
    notices = OutboxEntry.objects.filter(subject__contains="security info was changed")
    assert [n.to for n in notices] == [user.email]


def test_replacing_the_alternate_email_tells_the_old_address_and_the_work_one(
        signed_in, user, committed):
    ContactMethod.objects.create(user=user, kind="email", destination="old.home@example.net")
    with committed():
        signed_in.post(reverse("verification:email"), {"address": "new.home@example.net"})
    with committed():
        signed_in.post(reverse("verification:verify-email"),
                       {"code": last_code("new.home@example.net")})

    notices = OutboxEntry.objects.filter(subject__contains="security info was changed")
    assert sorted(n.to for n in notices) == sorted([user.email, "old.home@example.net"])


def test_removing_the_alternate_email_tells_it_and_the_work_address(
        signed_in, user, committed):
    ContactMethod.objects.create(user=user, kind="email", destination="old.home@example.net")
    with committed():
        signed_in.post(reverse("verification:remove-email"))

    notices = OutboxEntry.objects.filter(subject__contains="security info was changed")
    assert sorted(n.to for n in notices) == sorted([user.email, "old.home@example.net"])
    assert not ContactMethod.objects.filter(user=user).exists()


def test_the_work_address_cannot_be_the_authentication_email(signed_in, user):
    response = signed_in.post(reverse("verification:email"), {"address": user.email.upper()})
    assert "Use another address than your work email" in response.content.decode()


def test_a_method_change_notifies_every_registered_address(signed_in, user, committed):
    ContactMethod.objects.create(user=user, kind="email", destination="vera.home@example.net")
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")

    with committed():
        signed_in.post(reverse("verification:remove-phone"))

    notices = OutboxEntry.objects.filter(subject__contains="security info was changed")
    assert sorted(n.to for n in notices) == sorted([user.email, "vera.home@example.net"])
    assert all("was removed" in n.body for n in notices)


def test_removing_what_is_not_there_changes_and_tells_nothing(signed_in, committed):
    with committed():
        signed_in.post(reverse("verification:remove-phone"))
    assert not OutboxEntry.objects.exists()
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.METHOD_REMOVED).exists()


def test_enrolling_an_authenticator_app(signed_in, user):
    page = signed_in.get(reverse("verification:authenticator")).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert services.totp_secret(device) in page
    qr = signed_in.get(reverse("verification:authenticator-qr"))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")

    token = f"{totp(device.bin_key):06d}"
    response = signed_in.post(reverse("verification:authenticator"), {"code": token})

    assert response.url == reverse("verification:setup")
    device.refresh_from_db()
    assert device.confirmed
    assert services.registered_methods(user) == {"authenticator"}
    # The code that confirmed the app is spent: it can never be accepted again.
    assert not services.verify_totp(user=user, token=token)


def test_a_wrong_authenticator_code_does_not_confirm(signed_in, user):
    signed_in.get(reverse("verification:authenticator"))
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    response = signed_in.post(reverse("verification:authenticator"), {"code": wrong})
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def questions_post(pairs):
    data = {}
    for i, (question, answer) in enumerate(pairs, start=1):
        data[f"question_{i}"], data[f"answer_{i}"] = question.pk, answer
    return data


def test_the_catalogue_has_at_least_twenty_translated_questions():
    assert SecurityQuestion.objects.filter(is_custom=False, is_active=True).count() >= 20


def test_registering_security_questions_keeps_only_argon2id_hashes(signed_in, user):
    q = list(SecurityQuestion.objects.all()[:3])
    response = signed_in.post(reverse("verification:questions"), questions_post(
        [(q[0], "Smulan"), (q[1], "  Malmö   Centrum "), (q[2], "ＦＵＬＬＷＩＤＴＨ")]))

    assert response.url == reverse("verification:setup")
    hashes = list(SecurityAnswer.objects.filter(user=user).values_list("answer_hash", flat=True))
    assert len(hashes) == 3
    assert all(identify_hasher(h).algorithm == "argon2" and "argon2id" in h for h in hashes)
    assert not any("Smulan".lower() in h for h in hashes)
    # NFKC, case folding and white space: the same answer however it is typed.
    assert services.check_security_answers(
        user=user, answers={q[0].pk: "SMULAN", q[1].pk: "malmö centrum", q[2].pk: "fullwidth"})
    assert not services.check_security_answers(
        user=user, answers={q[0].pk: "SMULAN", q[1].pk: "malmo centrum", q[2].pk: "fullwidth"})


@pytest.mark.parametrize(("answers", "error"), [
    (["same", "SAME ", "other"], "Give a different answer to each question."),
    (["ok1", "no", "ok3"], "Answers are 3 to 40 characters long."),
    (["ok1", "x" * 41, "ok3"], "Answers are 3 to 40 characters long."),
])
def test_security_answers_must_differ_and_be_three_to_forty_characters(
        signed_in, answers, error):
    q = list(SecurityQuestion.objects.all()[:3])
    response = signed_in.post(reverse("verification:questions"),
                              questions_post(zip(q, answers, strict=True)))
    assert response.status_code == HTTPStatus.OK
    assert error in response.content.decode()
    assert not SecurityAnswer.objects.exists()


def test_the_same_question_cannot_be_chosen_twice(signed_in):
    q = SecurityQuestion.objects.first()
    response = signed_in.post(reverse("verification:questions"),
                              questions_post([(q, "one"), (q, "two"), (q, "three")]))
    assert "Choose a different question for each." in response.content.decode()


def test_custom_questions_are_offered_as_typed(signed_in):
    SecurityQuestion.objects.create(text="Which office did you start in?")
    html = signed_in.get(reverse("verification:questions")).content.decode()
    assert "Which office did you start in?" in html


def test_removing_a_method(signed_in, user):
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")
    assert "Remove" in signed_in.get(reverse("verification:remove-phone")).content.decode()

    response = signed_in.post(reverse("verification:remove-phone"))

    assert response.url == reverse("verification:setup")
    assert not ContactMethod.objects.exists()
    assert AuditEvent.objects.filter(type=AuditEvent.Type.METHOD_REMOVED).count() == 1


def test_looks_good_confirms_the_methods(signed_in, user, setup_url):
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")
    assert "Looks good" in signed_in.get(setup_url).content.decode()
    response = signed_in.post(setup_url)
    assert response.url == setup_url
    assert user.methods_confirmation.confirmed_at is not None
    assert AuditEvent.objects.filter(type=AuditEvent.Type.METHOD_RECONFIRMED).exists()


def test_looks_good_is_not_offered_with_nothing_registered(signed_in, user, setup_url):
    assert "Looks good" not in signed_in.get(setup_url).content.decode()

    response = signed_in.post(setup_url)

    assert response.url == setup_url
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.METHOD_RECONFIRMED).exists()


def test_the_office_phone_is_shown_but_cannot_be_changed(signed_in, user, setup_url):
    user.office_phone = "+4687740600"
    user.save()
    html = signed_in.get(setup_url).content.decode()
    assert "+46 8 774 06 00" in html
    assert "Set by your administrators" in html
    with pytest.raises(NoReverseMatch):
        reverse("verification:remove-office_phone")


def test_setup_shows_what_each_method_holds(signed_in, user, setup_url):
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")
    ContactMethod.objects.create(user=user, kind="email", destination="vera@example.net")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    for question in SecurityQuestion.objects.all()[:3]:
        SecurityAnswer.objects.create(user=user, question=question, answer_hash="x")

    html = unescape(signed_in.get(setup_url).content.decode())

    assert "+46701740612" in html
    assert "vera@example.net" in html
    assert "Codes from your app work for resetting your password." in html
    # One gate by policy: answers alone may not be it, so they are saved but do not count.
    assert "Your answers are saved, but your organisation's reset policy doesn't" in html
    assert "you have 3." in html


def test_setup_says_when_texts_and_calls_are_switched_off(signed_in, setup_url, settings):
    settings.SSPR_PHONE_HOURLY_BUDGET = 0
    html = signed_in.get(setup_url).content.decode()
    assert "Texts and calls are switched off for the moment." in html


def test_phone_and_email_are_shown_only_to_their_owner(client, user, setup_url):
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")
    other = type(user).objects.create_user("olle", password="Granite-Willow-Ferry-93")
    client.force_login(other)
    assert "+46701740612" not in client.get(setup_url).content.decode()


def test_the_code_message_is_in_the_language_of_the_page(signed_in, committed):
    with committed():
        signed_in.post(reverse("verification:phone"),
                       {"number": "+46701740612", "channel": "sms"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert "är din verifieringskod" in OutboxEntry.objects.get().body


@pytest.mark.parametrize("target", ["foo", "١٢٣", "https://evil.example/"])
def test_looks_good_with_an_odd_next_stays_on_setup(signed_in, user, target):
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701740612")
    response = signed_in.post(reverse("verification:setup"), {"next": target})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("verification:setup")


@pytest.mark.parametrize(("typed", "stored"), [
    ("Anna@XN--Exmple-CUA.org", "anna@exämple.org"),
    ("Åsa.Öberg@Exämple.se", "åsa.öberg@exämple.se"),
    ("a\u030asa@example.se", "åsa@example.se"),
])
def test_an_internationalised_address_is_stored_as_the_wizard_compares_it(
        signed_in, user, committed, typed, stored):
    with committed():
        response = signed_in.post(reverse("verification:email"), {"address": typed})
    assert response.status_code == HTTPStatus.FOUND
    with committed():
        signed_in.post(reverse("verification:verify-email"), {"code": last_code(stored)})

    assert ContactMethod.objects.get(user=user, kind="email").destination == stored


@pytest.mark.parametrize("typed", ["åsa@b..se", "å sa@b.se", "a..b@b.se", ".a@b.se",
                                   "a\u200b@b.se", "a@b", "a\x00@b.se", "@b.se"])
def test_an_address_that_cannot_be_delivered_is_refused(signed_in, typed):
    response = signed_in.post(reverse("verification:email"), {"address": typed})
    assert response.status_code == HTTPStatus.OK
    assert "Enter a valid email address." in response.content.decode()
    assert not OutboxEntry.objects.exists()
