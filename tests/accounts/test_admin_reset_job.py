"""The reset job's worker: chunks of users at a constant query cost, and resuming a killed run."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AdminResetJob, AdminResetJobItem, AuditEvent, Message, User
from accounts.resets import ResetOptions, admin_reset_passwords, reset_chunk, run_job, worker
from tests.factories import UserFactory

# Real commits: the job's transactions and its messages on commit, as in production.
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("job_run_here")]

State = AdminResetJobItem.State
TYPED = "Orchid-Tundra-Piano-48"


def start(actor, users, **options) -> AdminResetJob:
    return admin_reset_passwords(actor=actor, users=User.objects.filter(
        pk__in=[u.pk for u in users]), options=ResetOptions(**options))


def resets_of(user) -> int:
    return AuditEvent.objects.filter(type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN,
                                     subject=user).count()


# --- Speed: a chunk costs the same queries whatever its size -------------------------------

def queries_for_a_chunk(actor, size: int) -> int:
    users = [UserFactory() for _ in range(size)]
    job = start(actor, users)
    ids = list(job.items.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        reset_chunk(job=job, item_ids=ids)
    assert job.items.filter(state=State.DONE).count() == size
    return len(queries)


def test_a_chunk_of_links_costs_the_same_queries_for_3_users_as_for_30(ada, monkeypatch):
    # Counted: the job's own queries; the messages are sent later, by other tasks.
    monkeypatch.setattr("accounts.messages.enqueue", lambda *args, **kwargs: None)
    queries_for_a_chunk(ada, 1)  # the first read of the policy creates it
    few, many = queries_for_a_chunk(ada, 3), queries_for_a_chunk(ada, 30)

    assert few == many
    assert many <= 20


def test_a_chunk_of_links_is_handed_to_the_broker_as_one_task(ada, monkeypatch):
    handed = []
    monkeypatch.setattr("accounts.messages.enqueue",
                        lambda task, *args, **kwargs: handed.append((task.name, args)))
    job = start(ada, [UserFactory() for _ in range(30)])

    reset_chunk(job=job, item_ids=list(job.items.values_list("pk", flat=True)))

    links = set(Message.objects.filter(template="set_password_link").values_list("pk", flat=True))
    assert len(links) == 30
    # One broker round trip for the worker; the task it queues hands each message on.
    assert [(name, set(ids)) for name, (ids,) in handed] == [
        ("accounts.tasks.queue_deliveries", links)]


# --- Resume after a killed worker ------------------------------------------------------------

def test_a_killed_workers_users_are_reset_once_after_their_lease(ada, monkeypatch,
                                                                  time_machine, settings):
    settings.SSPR_ADMIN_RESET_CHUNK_SIZE = 2
    users = [UserFactory() for _ in range(4)]
    job = start(ada, users)
    write = worker._write_password
    calls = []

    def dies_at_the_third(job, item, typed):
        calls.append(item.user_id)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as far as the database knows, the worker is gone
        return write(job, item, typed)

    monkeypatch.setattr(worker, "_write_password", dies_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        run_job(job_id=job.pk)
    monkeypatch.setattr(worker, "_write_password", write)

    assert job.items.filter(state=State.DONE).count() == 2
    # Taken up again at once: the dead run's lease still holds its users.
    assert not run_job(job_id=job.pk).is_done
    assert job.items.filter(state=State.DONE).count() == 2

    time_machine.move_to(timezone.now() + timedelta(
        seconds=settings.SSPR_ADMIN_RESET_LEASE_SECONDS + 1))
    assert run_job(job_id=job.pk).is_done
    assert [resets_of(u) for u in users] == [1, 1, 1, 1]
    assert Message.objects.filter(template="set_password_link").count() == 4


def test_a_job_that_is_not_done_comes_back_when_the_leases_end(ada, monkeypatch, settings):
    job = start(ada, [UserFactory()])
    job.items.update(lease_until=timezone.now() + timedelta(minutes=1))
    queued = []
    monkeypatch.setattr("accounts.resets.enqueue_job",
                        lambda job_id, **kwargs: queued.append((job_id, kwargs)))
    from accounts.tasks import deliver_admin_reset_job

    deliver_admin_reset_job(job.pk)

    assert queued == [(job.pk, {"countdown": settings.SSPR_ADMIN_RESET_LEASE_SECONDS})]


def test_another_jobs_running_reset_of_a_user_is_not_repeated(ada):
    olga = UserFactory()
    first, second = start(ada, [olga]), start(ada, [olga])
    first.items.update(lease_until=timezone.now() + timedelta(minutes=1))

    run_job(job_id=second.pk)

    item = second.items.get()
    assert (item.state, item.reason) == (State.SKIPPED,
                                         "another reset of this account is running")


