import pytest
from django.core.management import call_command

from accounts.lockout import is_locked_out
from accounts.models import User
from verification.management.commands.demo_data import ACCOUNTS

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
