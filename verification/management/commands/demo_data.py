"""Create (or put back) the demo accounts that `make run` prints."""

from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    email: str
    display_name: str
    description: str
    is_staff: bool = False


ACCOUNTS = [
    DemoAccount("admin", "Lantern-Harbour-Violet-42", "admin@example.org", "Ada Admin",
                "administrator: /admin/", is_staff=True),
    DemoAccount("alice", "Maple-Orbit-Canvas-17", "alice@example.org", "Alice Andersson",
                "every method registered"),
    DemoAccount("bob", "Pebble-Thistle-Rocket-58", "bob@example.org", "Bob Berg",
                "nothing registered yet"),
    DemoAccount("carol", "Juniper-Quartz-Meadow-26", "carol@example.org", "Carol Carlsson",
                "locked out after too many wrong passwords"),
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
        self.stdout.write(self.style.SUCCESS("Demo accounts (user ID / password):"))
        for account in ACCOUNTS:
            line = f"  {account.username:<8} {account.password:<28} {account.description}"
            self.stdout.write(line)
        self.stdout.write("Messages the portal sends appear at http://127.0.0.1:8000/dev/outbox/")
