"""The administration needs a second factor, one sign-in form, and the portal's password change."""

from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, User
from tests.admin_session import admin_login, authenticator, current_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["admin:index", "admin:accounts_user_changelist",
               "admin:accounts_auditevent_changelist"]


@pytest.fixture
def ada():
    return UserFactory(username="ada", is_staff=True, is_superuser=True)


def password_only(user) -> Client:
    client = Client()
    response = client.post(reverse("accounts:sign-in"), {"username": user.username,
                                                         "password": PASSWORD})
    assert SESSION_KEY in client.session, response
    return client


def test_a_password_alone_does_not_open_the_admin(ada):
    authenticator(ada)
    client = password_only(ada)

    for name in ADMIN_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == HTTPStatus.FOUND, name
        follow = client.get(response["Location"])
        assert follow["Location"].startswith(reverse("verification:second-factor"))
    refused = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "force_change", "_selected_action": [UserFactory().pk]})
    assert refused.status_code == HTTPStatus.FOUND
    assert not User.objects.filter(must_change_password=True).exists()


def test_staff_type_their_authenticator_code_after_the_password(ada, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait between a wrong and a right code
    device = authenticator(ada)
    client = Client()

    signed_in = client.post(f"{reverse('accounts:sign-in')}?next=/admin/",
                            {"username": "ada", "password": PASSWORD, "next": "/admin/"})
    assert signed_in["Location"].startswith(reverse("verification:second-factor"))
    wrong = client.post(signed_in["Location"], {"code": "000000"})
    assert wrong.status_code == HTTPStatus.OK
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
    right = client.post(signed_in["Location"], {"code": current_code(device)})

    assert right["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert AuditEvent.objects.filter(type=AuditEvent.Type.GATE_FAILED, subject=ada).exists()


def test_staff_without_an_authenticator_enrol_first_and_are_then_verified(ada):
    client = password_only(ada)

    step = client.get(reverse("verification:second-factor"), {"next": "/admin/"})
    assert step["Location"].startswith(reverse("verification:authenticator"))
    client.get(step["Location"])  # the page makes the unconfirmed app
    device = TOTPDevice.objects.get(user=ada, confirmed=False)
    enrolled = client.post(step["Location"], {"code": current_code(device)})

    assert enrolled["Location"] == "/admin/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK


@pytest.mark.parametrize("page", ["verification:authenticator",
                                  "verification:remove-authenticator"])
def test_a_password_alone_cannot_replace_or_remove_a_staff_authenticator(ada, page):
    device = authenticator(ada)
    client = password_only(ada)

    response = client.post(reverse(page), {"code": "123456"})

    assert response["Location"].startswith(reverse("verification:second-factor"))
    assert list(TOTPDevice.objects.filter(user=ada)) == [device]


def test_the_admins_own_login_form_checks_no_password(ada, settings):
    authenticator(ada)
    client = Client()
    for _ in range(35):
        response = client.post(reverse("admin:login"), {"username": "ada",
                                                        "password": "wrong-guess"})
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("accounts:sign-in"))
    right = client.post(reverse("admin:login"), {"username": "ada", "password": PASSWORD})

    assert right["Location"].startswith(reverse("accounts:sign-in"))
    assert SESSION_KEY not in client.session
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.SIGNED_IN).exists()


def test_the_admins_password_change_is_the_portals_with_its_history_rule(ada):
    client = admin_login(Client(), ada)
    client.post(reverse("accounts:reauthenticate"), {"password": PASSWORD})
    link = client.get(reverse("admin:password_change"))
    assert link["Location"] == reverse("accounts:password-change")
    User.objects.filter(pk=ada.pk).update(previous_passwords=[User.objects.get(pk=ada.pk).password])

    response = client.post(link["Location"], {"old_password": PASSWORD,
                                              "new_password1": PASSWORD,
                                              "new_password2": PASSWORD})

    assert response.status_code == HTTPStatus.OK
    assert response.context_data["form"].errors
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_CHANGED).exists()
