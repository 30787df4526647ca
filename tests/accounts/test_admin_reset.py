import re
from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.lockout import is_locked_out
from accounts.models import AdminResetJob, AdminResetJobItem, AuditEvent, User
from accounts.resets import ResetOptions, admin_reset_passwords, run_job, worker
from tests.admin_session import admin_login
from tests.factories import PASSWORD, UserFactory
from verification.models import OutboxEntry

# Real commits: the reset job is queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

NEW = "Orchid-Tundra-Piano-48"
CHANGELIST = "admin:accounts_user_changelist"


def reset_one(client, user, **data):
    form = {"confirm": "yes", "delivery": "link", "password_choice": "generate",
            "require_change": "on", **data}
    return client.post(reverse("admin:accounts_user_reset_password", args=[user.pk]), form)


def reset_selection(client, users, **data):
    form = {"action": "reset_passwords", "_selected_action": [u.pk for u in users],
            "confirm": "yes", "post": "yes", "delivery": "link", "password_choice": "generate",
            "require_change": "on", **data}
    return client.post(reverse(CHANGELIST), form)


def link_in(entry: OutboxEntry) -> str:
    return re.search(r"https://portal\.example\.test(/\S+)", entry.body).group(1)


def sign_in(username, password) -> Client:
    client = Client()
    client.post(reverse("accounts:sign-in"), {"username": username, "password": password})
    return client


# --- Who may reset -------------------------------------------------------------------------

def test_a_signed_in_user_without_staff_status_cannot_reset_anyone():
    mallory, victim = UserFactory(), UserFactory()
    client = Client()
    admin_login(client, mallory)

    response = reset_one(client, victim)
    action = reset_selection(client, [victim])

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))
    assert action["Location"].startswith(reverse("admin:login"))
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)
    assert not AdminResetJob.objects.exists()


def test_staff_without_the_reset_permission_are_refused_and_nothing_changes():
    clerk, victim = UserFactory(is_staff=True), UserFactory()
    clerk.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_user", "change_user"]))
    client = Client()
    admin_login(client, clerk)

    page = client.get(reverse("admin:accounts_user_reset_password", args=[victim.pk]))
    posted = reset_one(client, victim)
    action = reset_selection(client, [victim])

    assert page.status_code == HTTPStatus.FORBIDDEN
    assert posted.status_code == HTTPStatus.FORBIDDEN
    assert action.status_code == HTTPStatus.FOUND  # back to the list: no such action for them
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)
    assert not victim.must_change_password
    assert not AdminResetJob.objects.exists()


def test_a_reset_without_a_csrf_token_is_refused(admin_user):
    victim = UserFactory()
    client = Client(enforce_csrf_checks=True)
    admin_login(client, admin_user)

    response = reset_one(client, victim)

    assert response.status_code == HTTPStatus.FORBIDDEN
    victim.refresh_from_db()
    assert victim.check_password(PASSWORD)
    assert not AdminResetJob.objects.exists()


def test_everyone_but_yourself_never_touches_the_acting_administrator(admin_client, admin_user):
    others = [UserFactory() for _ in range(3)]
    other_admin = UserFactory(is_staff=True, is_superuser=True)

    response = admin_client.post(reverse("admin:accounts_user_reset_everyone"), {
        "confirm": "yes", "delivery": "link", "password_choice": "generate"})

    assert response.status_code == HTTPStatus.FOUND
    job = AdminResetJob.objects.get()
    assert job.total == 4
    assert set(job.items.values_list("user_id", flat=True)) == {
        u.pk for u in [*others, other_admin]}
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)
    assert not admin_user.must_change_password
    assert not AuditEvent.objects.filter(
        subject=admin_user, type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN).exists()
    for user in others:
        user.refresh_from_db()
        assert not user.has_usable_password()
        assert user.must_change_password


def test_your_own_account_in_a_selection_is_refused_with_a_clear_message(
    admin_client, admin_user
):
    other = UserFactory()

    response = reset_selection(admin_client, [admin_user, other])

    assert response.status_code == HTTPStatus.FOUND
    page = admin_client.get(response["Location"])
    assert "reset your own password here" in page.content.decode()
    assert not AdminResetJob.objects.exists()
    other.refresh_from_db()
    assert other.check_password(PASSWORD)


def test_the_action_first_shows_the_options_page_for_the_selection(admin_client):
    users = [UserFactory() for _ in range(2)]
    response = admin_client.post(reverse(CHANGELIST), {
        "action": "reset_passwords", "_selected_action": [u.pk for u in users]})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "2 selected users" in html
    assert 'value="link"' in html
    assert not AdminResetJob.objects.exists()


# --- The one-time link ---------------------------------------------------------------------

def test_the_link_is_emailed_to_the_user_and_works_exactly_once(admin_client):
    erik = UserFactory(username="erik", email="erik@example.org")

    reset_one(admin_client, erik)

    (mail,) = OutboxEntry.objects.filter(to="erik@example.org")
    erik.refresh_from_db()
    assert not erik.has_usable_password()
    assert sign_in("erik", PASSWORD).session.get(SESSION_KEY) is None
    url = link_in(mail)
    client = Client()
    landing = client.get(url)
    # The token leaves the address bar before the form is shown.
    assert landing.status_code == HTTPStatus.FOUND
    assert url.split("/")[-2] not in landing["Location"]
    assert client.get(landing["Location"]).status_code == HTTPStatus.OK
    done = client.post(landing["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("accounts:sign-in")
    assert SESSION_KEY in sign_in("erik", NEW).session
    erik.refresh_from_db()
    assert not erik.must_change_password

    again = Client()
    page = again.get(again.get(url)["Location"])
    assert "This link can't be used" in page.content.decode()
    refused = again.post(landing["Location"], {"new_password1": "Another-Fine-Pass-77",
                                               "new_password2": "Another-Fine-Pass-77"})
    assert "This link can't be used" in refused.content.decode()
    erik.refresh_from_db()
    assert erik.check_password(NEW)


def test_the_link_expires_with_the_temporary_password_lifetime(admin_client, time_machine):
    time_machine.move_to("2026-03-01 09:00Z")
    erik = UserFactory(email="erik@example.org")
    reset_one(admin_client, erik)
    url = link_in(OutboxEntry.objects.get(to="erik@example.org"))

    time_machine.move_to("2026-03-08 09:01Z")
    client = Client()
    page = client.get(client.get(url)["Location"])

    assert "This link can't be used" in page.content.decode()


def test_a_second_reset_kills_the_first_link(admin_client):
    erik = UserFactory(email="erik@example.org")
    reset_one(admin_client, erik)
    first = link_in(OutboxEntry.objects.get(to="erik@example.org"))
    reset_one(admin_client, erik)

    client = Client()
    page = client.get(client.get(first)["Location"])

    assert "This link can't be used" in page.content.decode()


def test_the_link_page_applies_the_password_policy(admin_client):
    erik = UserFactory(username="erik", email="erik@example.org")
    reset_one(admin_client, erik)
    client = Client()
    form_url = client.get(link_in(OutboxEntry.objects.get()))["Location"]

    response = client.post(form_url, {"new_password1": "erik12345678",
                                      "new_password2": "erik12345678"})

    assert response.status_code == HTTPStatus.OK
    assert "new_password1" in response.context_data["form"].errors
    erik.refresh_from_db()
    assert not erik.has_usable_password()


def test_the_link_is_built_from_the_base_url_not_the_request_host(admin_user, settings):
    settings.ALLOWED_HOSTS = ["evil.example", "testserver"]
    erik = UserFactory(email="erik@example.org")
    client = Client(HTTP_HOST="evil.example")
    admin_login(client, admin_user)
    reset_one(client, erik)
    body = OutboxEntry.objects.get().body
    assert "https://portal.example.test/account/set-password/" in body
    assert "evil.example" not in body


# --- Passwords shown once, emailed, typed ---------------------------------------------------

def test_generated_passwords_are_shown_once_and_never_stored_in_clear(admin_client):
    users = [UserFactory(username=f"pia{i}") for i in range(3)]

    response = reset_selection(admin_client, users, delivery="show")
    job = AdminResetJob.objects.get()
    sealed = list(job.items.values_list("sealed_password", flat=True))
    assert all(sealed)
    assert len(set(sealed)) == 3
    assert response.cookies[f"sspr-reveal-{job.pk}"]["httponly"]

    shown = admin_client.post(reverse("admin:accounts_adminresetjob_reveal", args=[job.pk]),
                              {"format": "page"})
    rows = shown.context["passwords"]
    assert "no-store" in shown["Cache-Control"]
    assert {r[0] for r in rows} == {"pia0", "pia1", "pia2"}
    for username, _email, password in rows:
        assert password not in "".join(sealed)
        client = sign_in(username, password)
        assert SESSION_KEY in client.session
    assert not job.items.exclude(sealed_password="").exists()

    again = admin_client.post(reverse("admin:accounts_adminresetjob_reveal", args=[job.pk]),
                              {"format": "csv"})
    assert again.status_code == HTTPStatus.FOUND


def test_passwords_cannot_be_revealed_without_the_browsers_key(admin_user):
    user = UserFactory()
    client = Client()
    admin_login(client, admin_user)
    reset_selection(client, [user], delivery="show")
    job = AdminResetJob.objects.get()
    stranger = Client()
    admin_login(stranger, admin_user)

    response = stranger.post(reverse("admin:accounts_adminresetjob_reveal", args=[job.pk]),
                             {"format": "csv"})

    assert response.status_code == HTTPStatus.FOUND
    assert job.items.exclude(sealed_password="").count() == 1


def test_the_csv_of_passwords_downloads_once(admin_client):
    users = [UserFactory(username=f"ola{i}") for i in range(2)]
    reset_selection(admin_client, users, delivery="show")
    job = AdminResetJob.objects.get()

    response = admin_client.post(reverse("admin:accounts_adminresetjob_reveal", args=[job.pk]),
                                 {"format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User ID,Email,Temporary password"
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["ola0", "ola1"]


def test_a_temporary_password_must_be_changed_and_expires(admin_client, time_machine):
    time_machine.move_to("2026-03-01 09:00Z")
    user = UserFactory(username="tove")
    reset_one(admin_client, user, delivery="show", password_choice="type", password=NEW)

    client = sign_in("tove", NEW)
    assert client.get(reverse("accounts:overview"))["Location"] == reverse(
        "accounts:password-change")
    time_machine.move_to("2026-03-08 09:01Z")
    assert SESSION_KEY not in sign_in("tove", NEW).session


def test_an_administrators_reset_clears_a_sign_in_lockout(admin_client):
    user = UserFactory(username="tove")
    for _ in range(10):
        sign_in("tove", "Wrong-password-000")
    assert is_locked_out(user)

    reset_one(admin_client, user, delivery="show", password_choice="type", password=NEW)

    assert not is_locked_out(user)
    assert SESSION_KEY in sign_in("tove", NEW).session


def test_emailed_passwords_go_only_to_the_address_the_administrator_typed(admin_client):
    users = [UserFactory(username=f"kim{i}") for i in range(2)]

    reset_selection(admin_client, users, delivery="email", email_to="desk@example.org")

    (mail,) = OutboxEntry.objects.filter(to="desk@example.org")
    for user in users:
        password = re.search(rf"{user.username}: (\S+)", mail.body).group(1)
        assert SESSION_KEY in sign_in(user.username, password).session
    assert not AdminResetJob.objects.get().items.exclude(sealed_password="").exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"delivery": "show", "password_choice": "type", "password": "short"}, "password"),
    ({"delivery": "show", "password_choice": "type", "password": ""}, "password"),
    ({"delivery": "email", "password_choice": "type", "password": NEW,
      "email_to": "desk@example.org"}, "delivery"),
    ({"delivery": "email", "password_choice": "generate", "email_to": ""}, "email_to"),
])
def test_refused_options_say_why_and_reset_nobody(admin_client, data, field):
    user = UserFactory()
    response = reset_one(admin_client, user, **data)
    assert response.status_code == HTTPStatus.OK
    assert field in response.context["form"].errors
    assert not AdminResetJob.objects.exists()


def test_users_whose_password_lives_elsewhere_are_skipped_with_a_reason(admin_client):
    managed = UserFactory(password_managed_elsewhere=True)
    no_email = UserFactory(email="")

    reset_selection(admin_client, [managed, no_email])

    job = AdminResetJob.objects.get()
    assert job.is_done
    reasons = dict(job.items.values_list("user_id", "reason"))
    assert reasons == {managed.pk: "password managed elsewhere", no_email.pk: "no email address"}
    assert set(job.items.values_list("state", flat=True)) == {AdminResetJobItem.State.SKIPPED}
    page = admin_client.get(reverse("admin:accounts_adminresetjob_change", args=[job.pk]))
    assert "password managed elsewhere" in page.content.decode()


def test_a_deactivated_user_is_not_sent_a_link_that_could_never_work(admin_client):
    gone = UserFactory(is_active=False)

    reset_selection(admin_client, [gone])

    (item,) = AdminResetJob.objects.get().items.all()
    assert (item.state, item.reason) == (AdminResetJobItem.State.SKIPPED, "account disabled")
    assert not OutboxEntry.objects.filter(to=gone.email).exists()


def test_each_reset_is_audited_with_the_administrator_as_actor(admin_client, admin_user):
    user = UserFactory()
    reset_one(admin_client, user)
    event = AuditEvent.objects.get(type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN, subject=user)
    assert event.actor == admin_user
    assert event.details["delivery"] == "link"


def test_the_progress_endpoint_reports_the_job(admin_client):
    reset_selection(admin_client, [UserFactory(), UserFactory()])
    job = AdminResetJob.objects.get()
    data = admin_client.get(reverse("admin:accounts_adminresetjob_progress",
                                    args=[job.pk])).json()
    assert data == {"status": "done", "processed": 2, "total": 2, "percent": 100}


def test_djangos_own_set_password_form_leads_to_the_audited_reset(admin_client):
    user = UserFactory()
    response = admin_client.get(reverse("admin:auth_user_password_change", args=[user.pk])
                                .replace("auth", "accounts"))
    assert response["Location"] == reverse("admin:accounts_user_reset_password", args=[user.pk])


def test_the_job_commits_per_chunk_so_the_bar_moves_per_chunk(admin_user, monkeypatch,
                                                               settings):
    settings.SSPR_ADMIN_RESET_CHUNK_SIZE = 2
    monkeypatch.setattr("accounts.resets.start.enqueue_job", lambda job_id: None)
    users = [UserFactory() for _ in range(4)]
    job = admin_reset_passwords(actor=admin_user, users=User.objects.filter(
        pk__in=[u.pk for u in users]), options=ResetOptions())
    seen = []
    write = worker._write_password

    def watched(job, item, typed):
        seen.append(AdminResetJob.objects.get(pk=job.pk).processed)  # as the page would see it
        return write(job, item, typed)

    monkeypatch.setattr("accounts.resets.worker._write_password", watched)
    run_job(job_id=job.pk)

    assert seen == [0, 0, 2, 2]
    assert AdminResetJob.objects.get(pk=job.pk).processed == 4
