from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.lockout import is_locked_out
from accounts.models import User
from tests.reset.conftest import CommittingClient, identify, last_code
from verification.management.commands.demo_data import ACCOUNTS, CAROL_EMAIL

pytestmark = pytest.mark.django_db


def test_demo_data_creates_the_accounts_it_prints_and_can_run_again(capsys):
    call_command("demo_data")
    call_command("demo_data")
    printed = capsys.readouterr().out
    for account in ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(account.password)
        assert account.password in printed
    assert User.objects.get(username="admin").is_staff
    assert is_locked_out(User.objects.get(username="carol"))
    assert not is_locked_out(User.objects.get(username="alice"))


def test_the_printed_unlock_walk_through_unlocks_carol(capsys):
    call_command("demo_data")
    printed = capsys.readouterr().out
    assert "reset/?mode=unlock" in printed
    assert "Email my alternate email address" in printed
    assert CAROL_EMAIL in printed
    carol = next(a for a in ACCOUNTS if a.username == "carol")
    client = CommittingClient()

    identify(client, "carol", mode="unlock")
    form = client.get(reverse("reset:verify")).context_data["form"]
    choices = dict(form.fields["method"].choices)
    assert choices["email"] == "Email my alternate email address"
    client.post(reverse("reset:verify"), {"method": "email"})
    gate = reverse("reset:gate", kwargs={"method": "email"})
    client.post(gate, {"destination": CAROL_EMAIL})
    response = client.post(gate, {"code": last_code(CAROL_EMAIL)})

    assert response["Location"] == reverse("reset:done")
    assert not is_locked_out(User.objects.get(username="carol"))
    signed_in = client.post(reverse("accounts:sign-in"),
                            {"username": "carol", "password": carol.password})
    assert signed_in.status_code == HTTPStatus.FOUND
