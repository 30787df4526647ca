import re
from datetime import timedelta
from html import unescape
from http import HTTPStatus

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import clear_lockout, is_locked_out
from accounts.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "accounts:sign-in"


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post(reverse(SIGN_IN), {"username": username, "password": password}, **extra)


def fail_times(client, username, times):
    for _ in range(times):
        sign_in(client, username, "Wrong-password-000")


@pytest.fixture
def alice():
    return UserFactory(username="alice", email="alice@example.org")


@pytest.mark.parametrize("typed", ["alice", "ALICE", "alice@example.org", " Alice@Example.org "])
def test_signs_in_with_username_or_email_in_any_case(client, alice, typed):
    response = sign_in(client, typed)
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_sign_in_is_audited_with_address_and_browser(client, alice):
    sign_in(client, "alice", HTTP_USER_AGENT="Test Browser", REMOTE_ADDR="192.0.2.4")
    event = AuditEvent.objects.get(type=AuditEvent.Type.SIGNED_IN)
    assert (event.subject, event.actor, event.ip, event.user_agent) == (
        alice, alice, "192.0.2.4", "Test Browser")


def test_the_language_of_the_sign_in_is_kept_for_emails(client, alice):
    sign_in(client, "alice", HTTP_ACCEPT_LANGUAGE="sv")
    alice.refresh_from_db()
    assert alice.language == "sv"


def page_text(response, typed: str) -> str:
    """The page without what differs by design: the CSRF token and the ID echoed back."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(typed, "")


def test_unknown_id_wrong_password_locked_and_disabled_read_the_same(client, alice):
    """A wrong password reads the same everywhere; only the right one learns of a lockout."""
    UserFactory(username="dora", is_active=False)
    UserFactory(username="carl")
    fail_times(client, "carl", 10)

    pages = {
        "unknown": sign_in(client, "nobody-here"),
        "wrong password": sign_in(client, "alice", "Wrong-password-000"),
        "locked": sign_in(client, "carl", "Wrong-password-000"),
        "disabled": sign_in(client, "dora"),
    }

    assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages,
                                                                                HTTPStatus.OK)
    typed = ["nobody-here", "alice", "carl", "dora"]
    bodies = {page_text(r, t) for t, r in zip(typed, pages.values(), strict=True)}
    assert len(bodies) == 1
    assert "don't match" in unescape(bodies.pop())


def test_ten_failures_lock_the_account_even_with_the_right_password(client, alice):
    fail_times(client, "alice", 9)
    assert not is_locked_out(alice)
    fail_times(client, "alice", 1)
    assert is_locked_out(alice)

    response = sign_in(client, "alice")

    assert "_auth_user_id" not in client.session
    assert response.status_code == HTTPStatus.OK
    assert AuditEvent.objects.filter(type=AuditEvent.Type.LOCKED_OUT, subject=alice).count() == 1


def test_different_spellings_of_one_id_share_one_counter(client, alice):
    for typed in ["alice", "ALICE", "alice@example.org", "Alice@EXAMPLE.org", "aLiCe"] * 2:
        sign_in(client, typed, "Wrong-password-000")
    assert is_locked_out(alice)


def test_each_further_lockout_lasts_twice_as_long_up_to_an_hour(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for seconds in [60, 120, 240, 480, 960, 1920, 3600, 3600]:
            fail_times(client, "alice", 10)
            clock.shift(timedelta(seconds=seconds - 1))
            assert is_locked_out(alice), f"unlocked before {seconds} s"
            clock.shift(timedelta(seconds=2))
            assert not is_locked_out(alice), f"still locked after {seconds} s"


def test_retrying_during_a_lockout_does_not_extend_it_or_count_another(client, alice):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        fail_times(client, "alice", 10)
        clock.shift(timedelta(seconds=50))
        fail_times(client, "alice", 5)
        clock.shift(timedelta(seconds=11))
        assert not is_locked_out(alice)
        assert sign_in(client, "alice").status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(type=AuditEvent.Type.LOCKED_OUT).count() == 1


def test_a_successful_sign_in_makes_the_next_lockout_a_first_one_again(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_times(client, "alice", 10)
        clock.shift(timedelta(seconds=61))
        fail_times(client, "alice", 10)
        clock.shift(timedelta(seconds=121))
        assert sign_in(client, "alice").status_code == HTTPStatus.FOUND
        client.logout()
        fail_times(client, "alice", 10)
        clock.shift(timedelta(seconds=61))
        assert not is_locked_out(alice)


def test_a_lockout_can_be_cleared(client, alice):
    fail_times(client, "alice", 10)
    clear_lockout(alice)
    assert not is_locked_out(alice)
    assert sign_in(client, "alice").status_code == HTTPStatus.FOUND


def test_unknown_ids_are_locked_like_real_ones(client):
    fail_times(client, "ghost", 10)
    assert AuditEvent.objects.filter(type=AuditEvent.Type.LOCKED_OUT,
                                     identifier="ghost").exists()


@pytest.mark.usefixtures("steady_clock")
def test_one_address_is_limited_across_all_accounts(client, settings):
    settings.SSPR_SIGN_IN_IP_RATE = "5/m"
    users = [UserFactory() for _ in range(6)]
    statuses = [sign_in(client, u.username, "Wrong-password-000").status_code for u in users]
    assert statuses == [HTTPStatus.OK] * 5 + [HTTPStatus.TOO_MANY_REQUESTS]
    assert sign_in(client, users[0].username).status_code == HTTPStatus.TOO_MANY_REQUESTS
    other = client.post(reverse(SIGN_IN), {"username": users[0].username, "password": PASSWORD},
                        REMOTE_ADDR="198.51.100.9")
    assert other.status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("payload", [
    {"username": "x" * 10_000, "password": "y"},
    {"username": "alice\x00", "password": "y"},
    {"username": ["a", "b"], "password": ["c", "d"]},
    {},
])
def test_bad_input_gets_the_form_back_not_a_500(client, alice, payload):
    response = client.post(reverse(SIGN_IN), payload)
    assert response.status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post_and_is_audited(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:sign-out")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    client.post(reverse("accounts:sign-out"))
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(type=AuditEvent.Type.SIGNED_OUT, subject=alice).exists()


def test_next_never_leads_to_another_site(client, alice):
    response = client.post(reverse(SIGN_IN) + "?next=https://evil.example/",
                           {"username": "alice", "password": PASSWORD,
                            "next": "https://evil.example/"})
    assert response.status_code == HTTPStatus.FOUND
    assert "evil.example" not in response["Location"]


def test_unknown_locked_and_wrong_password_each_cost_one_password_hash(client, alice, monkeypatch):
    from accounts.hashers import Argon2idHasher

    calls = []
    for name in ["encode", "verify"]:
        original = getattr(Argon2idHasher, name)
        monkeypatch.setattr(Argon2idHasher, name,
                            lambda self, *a, _o=original, **k: calls.append(1) or _o(self, *a, **k))
    UserFactory(username="carl")
    fail_times(client, "carl", 10)
    costs = {}
    for typed in ["nobody-here", "alice", "carl"]:
        calls.clear()
        sign_in(client, typed, "Wrong-password-000")
        costs[typed] = len(calls)
    assert costs == {"nobody-here": 1, "alice": 1, "carl": 1}


def test_an_account_without_a_local_password_costs_the_hash_an_unknown_id_costs(
        client, alice, argon2_operations):
    # An administrator's link leaves an unusable password; Django's check skips the hash.
    alice.set_unusable_password()
    alice.save()
    costs = {}
    for typed in ["nobody-here", "alice"]:
        argon2_operations.clear()
        sign_in(client, typed, "Wrong-password-000")
        costs[typed] = len(argon2_operations)
    assert costs == {"nobody-here": 1, "alice": 1}


def test_an_expired_temporary_password_does_not_sign_in(client, alice):
    alice.temporary_password_expires_at = timezone.now() - timedelta(seconds=1)
    alice.must_change_password = True
    alice.save()
    assert sign_in(client, "alice").status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session


def table_statements(queries) -> list[str]:
    """The statements that read or write tables, as production runs them.

    The test's own transaction turns every atomic block into SAVEPOINT/RELEASE statements
    that production, where the block is the outermost transaction, never sends.
    """
    return [q["sql"] for q in queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN"))]


@pytest.mark.parametrize("password", ["Wrong-password-000", PASSWORD])
def test_a_sign_in_post_costs_at_most_eight_queries(client, alice, password):
    fail_times(client, "alice", 3)  # a failure row exists: the costlier case for both
    with CaptureQueriesContext(connection) as queries:
        sign_in(client, "alice", password)
    assert len(table_statements(queries.captured_queries)) <= 8, queries.captured_queries


def test_a_first_failure_for_an_id_costs_at_most_eight_queries(client):
    with CaptureQueriesContext(connection) as queries:
        sign_in(client, "nobody-here", "Wrong-password-000")
    assert len(table_statements(queries.captured_queries)) <= 8, queries.captured_queries
