import time

import pytest
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from accounts.models import AdminResetJob, AdminResetJobItem, AuditEvent, User
from accounts.resets import ResetOptions, admin_reset_passwords
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

USERS = 10_000


def make_users(n: int) -> None:
    # One real hash shared by all: creating 10,000 users must not cost 10,000 Argon2 runs.
    hashed = make_password("Granite-Willow-Ferry-93")
    User.objects.bulk_create(
        [User(username=f"bulk{i:05}", email=f"bulk{i:05}@example.org", password=hashed)
         for i in range(n)], batch_size=2000)


def test_ten_thousand_users_are_reset_by_a_real_worker_with_progress(
    postgres, celery_worker, smtp_inbox
):
    admin = UserFactory(username="ada", is_staff=True, is_superuser=True)
    make_users(USERS)

    started = time.monotonic()
    job = admin_reset_passwords(actor=admin, users=User.objects.exclude(pk=admin.pk),
                                options=ResetOptions(delivery=AdminResetJob.Delivery.LINK))
    queued = time.monotonic() - started
    seen = set()
    while not job.is_done and time.monotonic() - started < 600:
        time.sleep(0.5)
        job.refresh_from_db()
        seen.add(job.processed)
    elapsed = time.monotonic() - started
    print(f"\n10,000-user link reset: queued in {queued:.2f} s, done in {elapsed:.1f} s")

    assert job.is_done, f"{job.processed} of {job.total} after {elapsed:.0f} s"
    assert job.total == USERS
    assert len(seen - {0, USERS}) >= 1, "no progress was reported between start and end"
    assert job.items.filter(state=AdminResetJobItem.State.DONE).count() == USERS
    bulk = User.objects.filter(username__startswith="bulk")
    assert bulk.filter(must_change_password=True, temporary_password_expires_at__isnull=False,
                       password__startswith="!").count() == USERS
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN,
                                     subject__in=bulk).count() == USERS
    admin.refresh_from_db()
    assert admin.has_usable_password()
    assert not admin.must_change_password
    # Each link is a message of its own, sent by the worker's threads after its chunk commits.
    # Counted by address, not by message: a send that timed out on a busy machine is tried
    # again (at least once), so a count can be reached before every address has its link.
    expected = set(bulk.filter(~Q(email="")).values_list("email", flat=True))
    arrived, deadline = set(), time.monotonic() + 600
    while arrived != expected and time.monotonic() < deadline:
        time.sleep(1)
        arrived = {m["X-Envelope-To"] for m in list(smtp_inbox.messages)}
    assert arrived == expected, f"{len(expected - arrived)} addresses still waiting"
