"""Create (or put back) the demo accounts that `make run` prints."""

from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lockout import clear_lockout, lockout_key, lockout_seconds
from accounts.models import SignInLockout, User
from verification.models import (
    ContactMethod,
    MethodsConfirmation,
    SecurityAnswer,
    SecurityQuestion,
    VerificationCode,
)
from verification.questions import PREDEFINED_QUESTIONS, normalise_answer


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


# Alice's methods. Demo values only: a fixed TOTP key so that an app set up once keeps working
# across `make run`s, a number from the range reserved for fiction, answers printed below.
ALICE_PHONE = "+46701740605"
ALICE_EMAIL = "alice.private@example.net"
ALICE_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key
# Carol's one method, so that her lockout can be undone through the wizard's unlock path.
CAROL_EMAIL = "carol.private@example.net"
ALICE_ANSWERS = [
    (PREDEFINED_QUESTIONS[0], "Smulan"),
    (PREDEFINED_QUESTIONS[1], "Gothenburg"),
    (PREDEFINED_QUESTIONS[6], "Allie"),
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
                    # Set just now: the demo passwords start their expiry clock like any other.
                    "password_changed_at": timezone.now(),
                },
            )
            user.set_password(account.password)
            user.save()
            clear_lockout(user)
            if account.locked:
                lock_out(user)
        self.register_everything(User.objects.get(username="alice"))
        for username in ("admin", "bob", "carol"):
            self.register_nothing(User.objects.get(username=username))
        self.register_email(User.objects.get(username="carol"), CAROL_EMAIL)
        self.stdout.write(self.style.SUCCESS("Demo accounts (user ID / password):"))
        for account in ACCOUNTS:
            line = f"  {account.username:<8} {account.password:<28} {account.description}"
            self.stdout.write(line)
        self.print_alice(TOTPDevice.objects.get(user__username="alice"))
        self.stdout.write(self.style.SUCCESS("carol is locked out; to unlock her account:"))
        self.stdout.write("  open http://127.0.0.1:8000/reset/?mode=unlock, type carol, choose")
        self.stdout.write(f"  \"Email my alternate email address\", type {CAROL_EMAIL} and")
        self.stdout.write("  the code from the outbox; her password stays the same")
        self.stdout.write("Messages the portal sends appear at http://127.0.0.1:8000/dev/outbox/")

    def register_everything(self, user: User) -> None:
        now = timezone.now()
        ContactMethod.objects.update_or_create(
            user=user, kind=ContactMethod.Kind.PHONE,
            defaults={"destination": ALICE_PHONE, "verified_at": now})
        ContactMethod.objects.update_or_create(
            user=user, kind=ContactMethod.Kind.EMAIL,
            defaults={"destination": ALICE_EMAIL, "verified_at": now})
        TOTPDevice.objects.filter(user=user).exclude(key=ALICE_TOTP_KEY).delete()
        TOTPDevice.objects.update_or_create(
            user=user, key=ALICE_TOTP_KEY,
            defaults={"name": "authenticator", "confirmed": True, "last_t": -1,
                      "throttling_failure_count": 0})
        SecurityAnswer.objects.filter(user=user).delete()
        for text, answer in ALICE_ANSWERS:
            SecurityAnswer.objects.create(
                user=user, question=SecurityQuestion.objects.get(text=text),
                answer_hash=make_password(normalise_answer(answer)))
        MethodsConfirmation.objects.update_or_create(user=user, defaults={"confirmed_at": now})

    def register_email(self, user: User, address: str) -> None:
        now = timezone.now()
        ContactMethod.objects.create(user=user, kind=ContactMethod.Kind.EMAIL,
                                     destination=address, verified_at=now)
        MethodsConfirmation.objects.create(user=user, confirmed_at=now)

    def register_nothing(self, user: User) -> None:
        for model in (ContactMethod, SecurityAnswer, MethodsConfirmation, VerificationCode,
                      TOTPDevice):
            model.objects.filter(user=user).delete()

    def print_alice(self, device: TOTPDevice) -> None:
        secret = b32encode(unhexlify(ALICE_TOTP_KEY)).decode()
        self.stdout.write(self.style.SUCCESS("alice's registered methods:"))
        self.stdout.write(f"  phone {ALICE_PHONE}, email {ALICE_EMAIL}")
        self.stdout.write(f"  authenticator key {secret}")
        self.stdout.write(f"  {device.config_url}")
        for text, answer in ALICE_ANSWERS:
            self.stdout.write(f"  {text} {answer}")



def lock_out(user: User) -> None:
    """Leave `user` locked for an hour, as after a long run of wrong passwords."""
    streak, now = 7, timezone.now()
    SignInLockout.objects.create(
        key=lockout_key(user.username), streak=streak, last_failure_at=now,
        locked_until=now + timedelta(seconds=lockout_seconds(streak)))
