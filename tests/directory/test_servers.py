"""Every directory path against a real OpenLDAP with ppolicy and a real Samba AD DC.

Each test runs once per server (the `server` fixture's params); the servers start once per
session, so every test makes its own user.
"""

import re
from http import HTTPStatus

import ldap
import pytest
from django.test import Client
from django.urls import reverse

from accounts.directory import (
    DirectoryUnavailable,
    PasswordRefused,
    directory,
    find_user,
    is_locked,
)
from accounts.models import AdminResetJob, AuditEvent, ResetPolicy, User
from accounts.resets import ResetOptions, admin_reset_passwords, reveal_passwords
from accounts.sealing import new_key_pair
from bench.directories import admin_connection, make_pki
from reset.models import ResetAttempt
from tests.reset.conftest import CommittingClient, identify, register_everything
from tests.reset.test_journeys import NEW, finish, pass_gate

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

OLD = "Juniper-Canyon-Lamp-27"
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
Step = ResetAttempt.Step


@pytest.fixture
def client():
    return CommittingClient()


def binds(server, dn: str, password: str) -> bool:
    try:
        admin_connection(server.url, dn, password, server.pki["ca"]).unbind_s()
    except ldap.INVALID_CREDENTIALS:
        return False
    return True


def person(configured, name, **kwargs) -> tuple[str, User]:
    """A person in the directory, and the local record the portal keeps of them."""
    dn = configured.add_user(name, OLD, **kwargs)
    user = find_user(name)
    assert user is not None
    return dn, user


def sign_in(name: str, password: str) -> Client:
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": name, "password": password})
    return client


def test_ids_are_matched_as_the_directory_knows_them(configured, new_name):
    _, user = person(configured, new_name, phone="+46701234567")
    assert user.username == new_name
    assert user.email
    assert str(user.office_phone) == "+46701234567"
    assert find_user(user.email) == user
    if configured.kind == "ad":
        assert find_user(f"{new_name}@example.test") == user  # userPrincipalName
    assert find_user(new_name.upper()) == user


@pytest.mark.parametrize("typed", ["*", "ldapuser*", "*)(uid=*", "x)(|(objectClass=*",
                                   "\\", "\\2a", "a\x00b", "(", ")"])
def test_filter_characters_and_nul_in_ids_match_nobody(configured, new_name, typed):
    person(configured, new_name)
    assert find_user(typed) is None
    assert find_user(new_name + typed) is None


def test_sign_in_binds_against_the_directory(configured, new_name):
    _, user = person(configured, new_name)
    assert "_auth_user_id" not in sign_in(new_name, "Wrong-Password-123").session
    assert sign_in(new_name, OLD).session["_auth_user_id"] == str(user.pk)
    assert sign_in(user.email, OLD).session["_auth_user_id"] == str(user.pk)
    assert not user.has_usable_password()  # no local copy of a directory password


def test_the_wizard_resets_the_password_in_the_directory(configured, new_name, client):
    dn, user = person(configured, new_name)
    register_everything(user)
    identify(client, new_name)
    pass_gate(client, user, "email")

    assert finish(client)["Location"] == reverse("reset:done")

    assert binds(configured, dn, NEW)
    assert not binds(configured, dn, OLD)
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET, subject=user).exists()
    assert sign_in(new_name, NEW).session["_auth_user_id"] == str(user.pk)


def lock_out_by_bad_binds(name: str) -> None:
    for _ in range(4):
        sign_in(name, "Wrong-Password-123")


def test_bad_binds_lock_the_account_and_the_wizard_unlocks_it(configured, new_name, client):
    dn, user = person(configured, new_name)
    register_everything(user)
    lock_out_by_bad_binds(new_name)
    assert directory().is_locked(user)
    assert is_locked(user)
    assert "_auth_user_id" not in sign_in(new_name, OLD).session  # locked: right one fails

    identify(client, new_name, mode="unlock")
    assert pass_gate(client, user, "sms")["Location"] == reverse("reset:done")

    assert not directory().is_locked(user)
    assert binds(configured, dn, OLD)
    assert sign_in(new_name, OLD).session["_auth_user_id"] == str(user.pk)


def change(client, old, new):
    return client.post(reverse("accounts:password-change"), {
        "old_password": old, "new_password1": new, "new_password2": new})


def test_change_password_is_the_users_own_change_and_shows_the_directorys_refusal(
        configured, new_name):
    ResetPolicy.objects.update_or_create(pk=1, defaults={"require_registration": False})
    dn, _ = person(configured, new_name)
    client = sign_in(new_name, OLD)

    wrong = change(client, "Not-The-Password-1", NEW)
    assert wrong.context_data["form"].errors["old_password"]
    assert change(client, OLD, NEW)["Location"] == reverse("accounts:sign-in")
    assert binds(configured, dn, NEW)

    # Back to the old one: only the directory knows it was used before.
    client = sign_in(new_name, NEW)
    refused = change(client, NEW, OLD)
    assert refused.status_code == HTTPStatus.OK
    errors = " ".join(refused.context_data["form"].errors["new_password1"])
    assert ("used this password recently" in errors if configured.kind == "ldap"
            else "did not accept this password" in errors)
    assert binds(configured, dn, NEW)


def test_the_directorys_own_length_rule_is_shown_on_the_password_field(configured, new_name,
                                                                         client):
    dn, user = person(configured, new_name)
    register_everything(user)
    identify(client, new_name)
    pass_gate(client, user, "email")
    short = "Quartz-Vine-8"  # passes the portal's policy, shorter than the directory's rule

    response = client.post(reverse("reset:new-password"),
                           {"new_password1": short, "new_password2": short})

    errors = " ".join(response.context_data["form"].errors["new_password1"])
    assert ("too short for your organisation's directory" in errors
            if configured.kind == "ldap" else "did not accept this password" in errors)
    assert ResetAttempt.objects.get(user=user).step == Step.NEW_PASSWORD
    assert binds(configured, dn, OLD)


def test_admin_reset_can_make_the_next_sign_in_ask_for_a_new_password(
        configured, new_name, django_capture_on_commit_callbacks):
    dn, user = person(configured, new_name)
    admin = User.objects.create_superuser("ada", "ada@example.org", "Admin-Passw0rd-Local")
    private_key, public_key = new_key_pair()
    with django_capture_on_commit_callbacks(execute=True):
        job = admin_reset_passwords(
            actor=admin, users=User.objects.filter(pk=user.pk),
            options=ResetOptions(delivery=AdminResetJob.Delivery.SHOW, require_change=True,
                                 public_key=public_key))
    [(_, _, temporary)] = reveal_passwords(job=job, actor=admin, private_key=private_key)

    must_change = ("pwdReset", "TRUE") if configured.kind == "ldap" else ("pwdLastSet", "0")
    assert configured.read(dn, must_change[0])[must_change[0]] == [must_change[1]]
    client = sign_in(new_name, temporary)
    user.refresh_from_db()
    assert user.must_change_password
    assert client.get(reverse("accounts:overview"))["Location"] == reverse(
        "accounts:password-change")
    assert change(client, temporary, NEW)["Location"] == reverse("accounts:sign-in")
    assert binds(configured, dn, NEW)


def test_an_admin_reset_with_a_typed_password_writes_it_to_the_directory(
        configured, new_name, django_capture_on_commit_callbacks):
    dn, user = person(configured, new_name)
    admin = User.objects.create_superuser("ada", "ada@example.org", "Admin-Passw0rd-Local")
    typed = "Saffron-Harbor-Kite-61"
    with django_capture_on_commit_callbacks(execute=True):
        job = admin_reset_passwords(
            actor=admin, users=User.objects.filter(pk=user.pk),
            options=ResetOptions(delivery=AdminResetJob.Delivery.SHOW, typed_password=typed,
                                 require_change=True))

    job.refresh_from_db()
    assert job.is_done
    assert job.typed_password_sealed == ""  # nothing of it outlives the job
    # AD refuses the bind itself until the password is changed (data 773), which proves it.
    taken = directory().authenticate(new_name, typed)
    assert taken.bound
    assert taken.must_change
    assert not binds(configured, dn, OLD)
    client = sign_in(new_name, typed)
    assert client.get(reverse("accounts:overview"))["Location"] == reverse(
        "accounts:password-change")


def test_a_user_disabled_in_the_directory_can_neither_sign_in_nor_reset(
        configured, new_name, client):
    _, user = person(configured, new_name, disabled=True)
    assert not user.is_active
    assert "_auth_user_id" not in sign_in(new_name, OLD).session
    identify(client, new_name)
    assert ResetAttempt.objects.get(user=user).eligibility == ResetAttempt.Eligibility.INACTIVE


def test_a_directory_that_goes_away_mid_reset_changes_nothing_and_the_attempt_waits(
        configured, new_name, client):
    dn, user = person(configured, new_name)
    register_everything(user)
    identify(client, new_name)
    pass_gate(client, user, "email")
    configured.stop()
    try:
        response = finish(client)
        assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
        assert b"Temporarily unavailable" in response.content
        assert ResetAttempt.objects.get(user=user).step == Step.NEW_PASSWORD
        assert not AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET).exists()
        assert client.get(reverse("healthz")).json()["directory"] == "down"
    finally:
        configured.restart()
    # The reused connection died with the server; the next request opens a new one.
    assert finish(client)["Location"] == reverse("reset:done")
    assert binds(configured, dn, NEW)
    assert client.get(reverse("healthz")).json()["directory"] == "ok"


def test_an_outage_gives_every_id_the_same_page(configured, new_name, settings):
    person(configured, new_name)
    settings.SSPR_DIRECTORY_URL = "ldaps://127.0.0.1:9"  # nothing listens there
    pages = [identify(CommittingClient(), typed) for typed in (new_name, "nobody-at-all")]
    assert {p.status_code for p in pages} == {HTTPStatus.SERVICE_UNAVAILABLE}
    # The same page to the byte, but for each browser's own CSRF token.
    assert CSRF_TOKEN.sub(b"", pages[0].content) == CSRF_TOKEN.sub(b"", pages[1].content)
    assert all(b"Temporarily unavailable" in p.content for p in pages)
    failed = sign_in(new_name, OLD)
    assert "_auth_user_id" not in failed.session


def test_a_certificate_from_another_ca_is_refused(configured, new_name, settings, tmp_path):
    settings.SSPR_DIRECTORY_CA_FILE = str(make_pki(tmp_path)["ca"])
    with pytest.raises(DirectoryUnavailable):
        directory().check()


def test_starttls_is_used_on_ldap_urls(configured, settings):
    settings.SSPR_DIRECTORY_URL = configured.starttls_url
    directory().check()
    assert directory().start_tls


def test_a_directory_group_can_be_the_selected_group(configured, new_name):
    from django.contrib.auth.models import Group

    dn = configured.add_user(new_name, OLD)
    group = Group.objects.create(name=f"{new_name}-sspr")
    configured.add_group(group.name, [dn])
    user = find_user(new_name)
    assert list(user.groups.all()) == [group]


def test_one_connection_per_worker_is_reused(configured, new_name):
    person(configured, new_name)
    first = directory()._service()
    for _ in range(3):
        find_user(new_name)
    assert directory()._service() is first


def test_a_refusal_does_not_touch_the_portal(configured, new_name):
    dn, user = person(configured, new_name)
    with pytest.raises(PasswordRefused):
        directory().set_password(user, "Quartz-Vine-8")
    assert binds(configured, dn, OLD)
