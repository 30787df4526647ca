"""Create (or put back) the demo accounts that `make run` prints."""

from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.lockout import clear_lockout, lockout_key
from accounts.models import LockoutStreak, User


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    email: str
    display_name: str
    description: str
    is_staff: bool = False
    locked: bool = False


ACCOUNTS = [
    DemoAccount("admin", "Lantern-Harbour-Violet-42", "admin@example.org", "Ada Admin",
                "administrator: /admin/", is_staff=True),
    DemoAccount("alice", "Maple-Orbit-Canvas-17", "alice@example.org", "Alice Andersson",
                "every method registered"),
    DemoAccount("bob", "Pebble-Thistle-Rocket-58", "bob@example.org", "Bob Berg",
                "nothing registered yet"),
    DemoAccount("carol", "Juniper-Quartz-Meadow-26", "carol@example.org", "Carol Carlsson",
                "locked out after too many wrong passwords", locked=True),
]


class Command(BaseCommand):
    help = "Create the demo accounts, or reset them to their demo state, and print them."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        for account in ACCOUNTS:
            user, _ = User.objects.update_or_create(
                username=account.username,
                defaults={
                    "email": account.email,
                    "display_name": account.display_name,
                    "is_staff": account.is_staff,
                    "is_superuser": account.is_staff,
                    "is_active": True,
                    "must_change_password": False,
                },
            )
            user.set_password(account.password)
            user.save()
            clear_lockout(user)
            if account.locked:
                lock_out(user)
        self.stdout.write(self.style.SUCCESS("Demo accounts (user ID / password):"))
        for account in ACCOUNTS:
            line = f"  {account.username:<8} {account.password:<28} {account.description}"
            self.stdout.write(line)
        self.stdout.write("Messages the portal sends appear at http://127.0.0.1:8000/dev/outbox/")


def lock_out(user: User) -> None:
    """Leave `user` locked for an hour, as after a long run of wrong passwords."""
    key, now = lockout_key(user.username), timezone.now()
    AccessAttempt.objects.create(
        username=key, ip_address="192.0.2.66", user_agent="demo", attempt_time=now,
        failures_since_start=settings.AXES_FAILURE_LIMIT, get_data="", post_data="",
        http_accept="", path_info="/sign-in/",
    )
    LockoutStreak.objects.create(key=key, lockouts=7, last_locked_at=now)
