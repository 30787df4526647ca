"""No secret of an authenticator is readable by staff, and methods change only through services."""

from base64 import b32encode
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, Message
from tests.admin_session import admin_login
from tests.factories import UserFactory
from verification.models import ContactMethod, SecurityAnswer, SecurityQuestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim():
    user = UserFactory(username="vera")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    ContactMethod.objects.create(user=user, kind="phone", destination="+46701234567")
    SecurityAnswer.objects.create(user=user, question=SecurityQuestion.objects.first(),
                                  answer_hash="argon2$not-shown")
    return user


def secrets_of(user) -> list[str]:
    found = []
    for device in TOTPDevice.objects.filter(user=user):
        b32 = b32encode(device.bin_key).decode()
        found += [device.key, b32, " ".join(b32[i:i + 4] for i in range(0, len(b32), 4))]
    return found


def every_admin_url() -> list[str]:
    """Every page of the admin: the index, each app, each model's list, add and row pages."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse("admin:app_list", args=[opts.app_label]))
        for name in ("changelist", "add"):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}"))
        for pk in model._default_manager.values_list("pk", flat=True)[:5]:
            for name in ("change", "history", "delete"):
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}",
                                    args=[pk]))
    for pattern in admin.site.get_urls():
        try:
            urls.append(reverse(f"admin:{getattr(pattern, 'name', None)}"))
        except NoReverseMatch:
            continue  # needs arguments: covered above through the models' rows
    return sorted(set(urls))


def test_no_admin_page_shows_an_authenticator_key_or_qr_code(victim):
    client = admin_login(Client(), UserFactory(is_staff=True, is_superuser=True))
    secrets = secrets_of(victim)

    pages = every_admin_url()
    for url in pages:
        response = client.get(url)
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, url
        body = response.content.decode(errors="replace")
        for secret in secrets:
            assert secret not in body, url
        assert "otpauth://" not in body, url
        assert "argon2$not-shown" not in body, url
    assert len(pages) > 40


def test_django_otps_own_device_admin_is_gone(victim):
    client = admin_login(Client(), UserFactory(is_staff=True, is_superuser=True))

    for path in ("/admin/otp_totp/totpdevice/", "/admin/otp_totp/totpdevice/add/",
                 "/admin/otp_totp/totpdevice/1/change/", "/admin/axes/accessattempt/"):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND, path
    index = client.get(reverse("admin:index")).content.decode()
    assert "TOTP" not in index
    assert "Access attempts" not in index


def test_staff_cannot_add_an_authenticator_for_someone_else(victim):
    client = admin_login(Client(), UserFactory(is_staff=True, is_superuser=True))
    before = list(TOTPDevice.objects.values_list("pk", "key"))

    posts = [
        client.post("/admin/otp_totp/totpdevice/add/", {
            "user": victim.pk, "name": "mine", "key": "3132333435363738393031323334353637383930",
            "step": 30, "t0": 0, "digits": 6, "tolerance": 1, "drift": 0, "confirmed": "on"}),
        client.post(reverse("admin:verification_authenticator_add"), {
            "user": victim.pk, "confirmed": "on"}),
    ]

    assert [p.status_code for p in posts] == [HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN]
    assert list(TOTPDevice.objects.values_list("pk", "key")) == before


@pytest.mark.parametrize("model", ["contactmethod", "securityanswer", "authenticator"])
def test_methods_are_never_deleted_through_generic_admin_pages(victim, model):
    client = admin_login(Client(), UserFactory(is_staff=True, is_superuser=True))
    row = {"contactmethod": ContactMethod, "securityanswer": SecurityAnswer,
           "authenticator": TOTPDevice}[model].objects.filter(user=victim).first()

    page = client.post(reverse(f"admin:verification_{model}_delete", args=[row.pk]),
                       {"post": "yes"})
    bulk = client.post(reverse(f"admin:verification_{model}_changelist"), {
        "action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})

    assert page.status_code == HTTPStatus.FORBIDDEN
    assert bulk.status_code == HTTPStatus.OK or bulk.status_code == HTTPStatus.FOUND
    assert type(row).objects.filter(pk=row.pk).exists()
    assert not AuditEvent.objects.filter(subject=victim).exists()


@pytest.mark.parametrize(("model", "method"), [("contactmethod", "phone"),
                                               ("securityanswer", "questions"),
                                               ("authenticator", "authenticator")])
def test_staff_remove_a_method_by_the_audited_action_and_the_person_is_told(victim, model,
                                                                            method):
    helpdesk = UserFactory(is_staff=True)
    helpdesk.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_user", f"view_{model}"]))
    client = admin_login(Client(), helpdesk)
    rows = {"contactmethod": ContactMethod, "securityanswer": SecurityAnswer,
            "authenticator": TOTPDevice}[model].objects.filter(user=victim)

    client.post(reverse(f"admin:verification_{model}_changelist"), {
        "action": "remove_methods", "_selected_action": list(rows.values_list("pk", flat=True))})

    assert not rows.exists()
    event = AuditEvent.objects.get(type=AuditEvent.Type.METHOD_REMOVED)
    assert (event.actor, event.subject, event.details["method"]) == (helpdesk, victim, method)
    assert event.ip is not None
    assert event.support_code
    assert Message.objects.filter(event=event).exists()


@pytest.mark.parametrize("model", ["contactmethod", "authenticator"])
def test_helpdesk_cannot_remove_a_privileged_users_methods(model):
    colleague = UserFactory(is_staff=True)
    TOTPDevice.objects.create(user=colleague, name="authenticator", confirmed=True)
    ContactMethod.objects.create(user=colleague, kind="phone", destination="+46701234568")
    helpdesk = UserFactory(is_staff=True)
    helpdesk.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_user", f"view_{model}"]))
    client = admin_login(Client(), helpdesk)
    rows = {"contactmethod": ContactMethod, "authenticator": TOTPDevice}[model].objects.filter(
        user=colleague)

    client.post(reverse(f"admin:verification_{model}_changelist"), {
        "action": "remove_methods", "_selected_action": list(rows.values_list("pk", flat=True))})

    assert rows.count() == 1
    refused = AuditEvent.objects.get(subject=colleague)
    assert refused.type == AuditEvent.Type.ADMIN_ACTION_REFUSED
    assert refused.actor == helpdesk
