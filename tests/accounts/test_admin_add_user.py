"""Accounts an administrator adds, and the demo's, start the password expiry clock."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.expiry import expires_at
from accounts.models import PasswordPolicy, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring():
    policy = PasswordPolicy.current()
    policy.expiry_days = 90
    policy.save()


def add(admin_client, **fields):
    return admin_client.post(reverse("admin:accounts_user_add"), {
        "username": "newbie", "password1": "Granite-Willow-Ferry-93",
        "password2": "Granite-Willow-Ferry-93", **fields})


def test_a_user_added_with_a_password_has_a_changed_date_and_expires(admin_client, expiring):
    add(admin_client, usable_password="true")

    user = User.objects.get(username="newbie")
    assert user.password_changed_at is not None
    assert expires_at(user) is not None


def test_a_user_added_without_a_password_has_no_date(admin_client):
    add(admin_client, usable_password="false", password1="", password2="")

    assert User.objects.get(username="newbie").password_changed_at is None


def test_the_demo_administrator_has_a_password_changed_date(expiring):
    call_command("demo_data", stdout=StringIO())

    admin = User.objects.get(username="admin")
    assert admin.password_changed_at is not None
    assert expires_at(admin) is not None
