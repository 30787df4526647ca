"""Reads compiled once (sspr.statements): built a single time, and read back as Django's own
reading reads them."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import signed_in_user
from accounts.models import ResetPolicy
from reset.models import ResetAttempt
from reset.services.attempts import _read_attempt
from sspr.sessions import SessionStore
from sspr.statements import Param, Statement, columns, per_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def attempt_of(user) -> ResetAttempt:
    return ResetAttempt.objects.create(
        user=user, key="hanna", eligibility=ResetAttempt.Eligibility.ELIGIBLE,
        gates_passed=["email"], question_ids=[3, 1], code_asked_at=timezone.now(),
        support_code="ABCD-1234", expires_at=timezone.now() + timedelta(minutes=15))


def test_a_statement_is_built_once_and_run_with_each_runs_values():
    users = [UserFactory(username=name) for name in ("hanna", "omar")]
    built = []

    def build():
        built.append(1)
        return type(users[0]).objects.filter(
            pk=Param("pk", type(users[0])._meta.pk)).values_list("username")

    statement = Statement(build)
    assert [statement.rows(pk=user.pk) for user in users] == [[["hanna"]], [["omar"]]]
    assert statement.rows(pk=-1) == []
    assert len(built) == 1


def test_an_attempt_reads_back_as_select_related_reads_it():
    user = UserFactory(username="hanna", previous_passwords=["a", "b"])
    attempt = attempt_of(user)

    read = _read_attempt(str(attempt.pk))
    expected = ResetAttempt.objects.select_related("user").get(pk=attempt.pk)

    # JSON decoded, times aware, the key a UUID: each column through its converters.
    assert field_values(read) == field_values(expected)
    assert read.gates_passed == ["email"]
    assert timezone.is_aware(read.code_asked_at)
    assert field_values(read.user) == field_values(expected.user)
    read.step = ResetAttempt.Step.DONE
    read.save(update_fields=["step"])  # an instance of the row, not a new one
    assert ResetAttempt.objects.get(pk=attempt.pk).step == ResetAttempt.Step.DONE


def test_a_sessions_account_reads_back_as_the_orm_reads_it():
    user = UserFactory(username="hanna", previous_passwords=["a"], last_login=timezone.now())
    read = signed_in_user(str(user.pk))
    assert field_values(read) == field_values(type(user).objects.get(pk=user.pk))
    assert read.previous_passwords == ["a"]
    assert signed_in_user(str(user.pk + 1)) is None


def test_an_attempt_without_an_account_reads_with_none():
    attempt = attempt_of(None)
    with pytest.raises(AttributeError):
        _ = _read_attempt(str(attempt.pk)).user.pk  # cached as None: no query for it
    assert _read_attempt(str(ResetAttempt(expires_at=timezone.now()).pk)) is None


def test_a_session_is_read_only_while_it_lives():
    store = SessionStore()
    store["reset.attempt"] = "x"
    store.create()
    store.save()
    assert SessionStore(store.session_key).load() == {"reset.attempt": "x"}

    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # saving it makes a new key, as Django's backend does


def test_a_statement_per_record_is_compiled_once_per_version_of_the_record():
    built = []

    @per_record
    def statement(policy, details):
        built.append((policy.methods_required, details))
        return None if details else Session.objects.values_list("session_key")

    policy = ResetPolicy.current()
    first = statement(policy, False)
    assert statement(ResetPolicy.current(), False) is first  # the same version: kept
    assert statement(policy, True) is None  # nothing to read
    policy.methods_required = 2
    policy.save()
    assert statement(ResetPolicy.current(), False) is not first  # a saved change: its own
    assert built == [(1, False), (1, True), (2, False)]


def test_columns_name_a_relations_fields_after_its_path():
    assert columns(Session, "x__") == ["x__session_key", "x__session_data", "x__expire_date"]


def test_a_new_session_is_one_insert_and_a_taken_key_is_drawn_again(monkeypatch):
    taken = SessionStore()
    taken.create()
    with CaptureQueriesContext(connection) as made:
        SessionStore().create()
    statements = [q["sql"] for q in made.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert [s.split()[0] for s in statements] == ["INSERT"]  # no look-up of the key first

    keys = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr("sspr.sessions.get_random_string", lambda *args: next(keys))
    again = SessionStore()
    again.create()
    assert again.session_key == "k" * 32
    assert Session.objects.filter(pk=taken.session_key).exists()
