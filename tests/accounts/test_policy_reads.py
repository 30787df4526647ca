"""Each policy record is read at most once per request, and a saved change applies at once."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import PasswordPolicy, ResetPolicy
from tests.factories import UserFactory
from tests.reset.conftest import identify, register_everything

TABLES = (ResetPolicy._meta.db_table, PasswordPolicy._meta.db_table)


def policy_reads(queries) -> dict[str, int]:
    return {table: sum(f'FROM "{table}"' in q["sql"] for q in queries) for table in TABLES}


@pytest.fixture
def person(db):
    return register_everything(UserFactory(username="rita", email="rita@example.org"))


@pytest.fixture
def at_method_page(client, person):
    identify(client, "rita")
    return client


def test_the_wizard_reads_each_policy_once_per_request(client, person):
    ResetPolicy.current(), PasswordPolicy.current()
    pages = [
        lambda: identify(client, "rita"),
        lambda: client.get(reverse("reset:verify")),
        lambda: client.post(reverse("reset:verify"), {"method": "authenticator"}),
        lambda: client.post(reverse("reset:gate", args=["authenticator"]), {"code": "000000"}),
    ]
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            page()
        assert all(n <= 1 for n in policy_reads(queries).values()), policy_reads(queries)


def test_changing_a_password_reads_the_password_policy_once(client, person):
    PasswordPolicy.current()
    client.force_login(person)
    url = reverse("accounts:password-change")
    new = "Vivid-abc123-Harbour-99"
    for page in (lambda: client.get(url),
                 lambda: client.post(url, {"old_password": "wrong", "new_password1": new,
                                           "new_password2": new})):
        with CaptureQueriesContext(connection) as queries:
            response = page()
        assert response.status_code == 200
        assert all(n <= 1 for n in policy_reads(queries).values()), policy_reads(queries)


def test_a_saved_policy_applies_to_the_very_next_request(at_method_page):
    assert b'value="email"' in at_method_page.get(reverse("reset:verify")).content
    policy = ResetPolicy.current()
    policy.allow_email = False
    policy.save()
    assert b'value="email"' not in at_method_page.get(reverse("reset:verify")).content


def test_a_policy_reads_back_every_field_as_saved(db):
    group = Group.objects.create(name="resetters")
    ResetPolicy.objects.update_or_create(pk=1, defaults={
        "enabled_for": ResetPolicy.EnabledFor.GROUP, "enabled_group": group,
        "methods_required": 2, "allow_email": False, "reconfirm_days": 0,
        "helpdesk_email": "help@example.org", "helpdesk_url": "https://help.example.org/"})
    PasswordPolicy.objects.update_or_create(pk=1, defaults={
        "banned_terms": "acme\nwidget", "expiry_days": 90, "require_three_classes": False})
    for model in (ResetPolicy, PasswordPolicy):
        read, saved = model.current(), model.objects.get(pk=1)
        for field in model._meta.concrete_fields:
            value, expected = getattr(read, field.attname), getattr(saved, field.attname)
            assert (value, type(value)) == (expected, type(expected)), field.name
        assert not read._state.adding


def test_the_policy_records_are_made_on_first_use(db):
    assert not ResetPolicy.objects.exists()
    assert ResetPolicy.current().methods_required == 1
    assert ResetPolicy.objects.filter(pk=1).exists()
