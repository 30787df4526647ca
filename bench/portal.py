"""Work the benchmark does inside the portal's own Django (seeding, sending, admin reset).

Run as `python -m bench.portal COMMAND` with the portal's settings in the environment; each
command prints one JSON object. Seeded accounts go through the portal's own services where
the cost of a step depends on them (the password history), and are copied in bulk elsewhere.
"""

import argparse
import json
import os
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sspr.settings.production")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.models import AuditEvent, User  # noqa: E402
from accounts.resets import ResetOptions, admin_reset_passwords  # noqa: E402
from accounts.services import set_new_password  # noqa: E402
from verification.models import ContactMethod, MethodsConfirmation, VerificationCode  # noqa: E402
from verification.services import send_code  # noqa: E402

TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key


def seed(*, count: int, prefix: str, password: str, directory: bool = False) -> dict:
    """`count` registered users sharing one password, each with a full password history.

    The history comes from the real path (a template user whose password is set again and
    again), then copied, so its format is whatever the password policy stores. With
    `directory` they are the local records of a directory's people, as its sync makes them:
    no local password and no history (the directory keeps both).
    """
    hashed, history = make_password(None), []
    if not directory:
        template, _ = User.objects.get_or_create(
            username=f"{prefix}template", defaults={"email": f"{prefix}template@example.org"})
        for n in range(6):
            set_new_password(user=template,
                             password=f"{password}-old-{n}-{uuid.uuid4().hex[:6]}",
                             event_type=AuditEvent.Type.PASSWORD_CHANGED, notify=False)
        set_new_password(user=template, password=password,
                         event_type=AuditEvent.Type.PASSWORD_CHANGED, notify=False)
        template.refresh_from_db()
        hashed, history = template.password, template.previous_passwords
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"{prefix}{i:05d}", email=f"{prefix}{i:05d}@example.org",
                 password=hashed, previous_passwords=history, password_changed_at=now)
            for i in range(count))
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=u, name="authenticator", key=TOTP_KEY, confirmed=True, last_t=-1)
            for u in users)
        ContactMethod.objects.bulk_create(
            ContactMethod(user=u, kind=ContactMethod.Kind.EMAIL, verified_at=now,
                          destination=f"{u.username}@example.net") for u in users)
        MethodsConfirmation.objects.bulk_create(
            MethodsConfirmation(user=u, confirmed_at=now) for u in users)
    return {"users": [u.username for u in users], "history": len(history),
            "totp_key": TOTP_KEY}


def send(*, rate: float, seconds: float, start: int) -> dict:
    """Record and queue texts at `rate` per second through `send_code`, as the wizard does.

    Each goes to its own number, so per-number limits do not refuse any; returns when each
    was queued, keyed by number.
    """
    users = list(User.objects.filter(username__startswith="bench-").order_by("pk")[:200])
    queued = {}
    t0 = time.time()
    total = int(rate * seconds)
    for i in range(total):
        wait = t0 + i / rate - time.time()
        if wait > 0:
            time.sleep(wait)
        number = f"+4670{start + i:07d}"
        send_code(user=users[i % len(users)], purpose=VerificationCode.Purpose.RESET,
                  channel=VerificationCode.Channel.SMS, destination=number,
                  reset_attempt=uuid.uuid4().hex)
        queued[number] = time.time()
    return {"queued": queued, "lag": time.time() - t0 - seconds}


def admin_reset(*, count: int) -> dict:
    """Seed `count` users and reset them all by link, as an administrator's action does."""
    actor, _ = User.objects.get_or_create(username="bench-admin", defaults={
        "is_staff": True, "is_superuser": True, "email": "bench-admin@example.org"})
    hashed = make_password(uuid.uuid4().hex)
    User.objects.bulk_create(
        (User(username=f"mass-{i:07d}", email=f"mass-{i:07d}@example.org", password=hashed)
         for i in range(count)), batch_size=5000)
    users = User.objects.filter(username__startswith="mass-")
    started = time.time()
    job = admin_reset_passwords(actor=actor, users=users, options=ResetOptions())
    queued = time.time() - started
    return {"job": job.pk, "total": job.total, "queued_seconds": queued, "started": started}


def job_progress(*, job_id: int) -> dict:
    from accounts.models import AdminResetJob

    job = AdminResetJob.objects.get(pk=job_id)
    return {"processed": job.processed, "total": job.total, "status": job.status,
            "finished_at": job.finished_at.timestamp() if job.finished_at else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--prefix", default="bench-")
    p.add_argument("--password", required=True)
    p.add_argument("--directory", action="store_true")
    p = sub.add_parser("send")
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--start", type=int, default=0)
    p = sub.add_parser("admin-reset")
    p.add_argument("--count", type=int, required=True)
    p = sub.add_parser("job-progress")
    p.add_argument("--job-id", type=int, required=True)
    args = vars(parser.parse_args())
    command = args.pop("command").replace("-", "_")
    result = globals()[command](**args)
    connection.close()
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
