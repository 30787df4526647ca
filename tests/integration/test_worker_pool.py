"""The worker as deployed with DJANGO_DB_POOL_SIZE: its threads share a bounded pool of
database connections, and a thread that finds none free in time queues its messages again."""

import socket
import threading

import pytest
from django.db import connection, transaction

from accounts.audit import record_event
from accounts.models import AuditEvent, Message
from accounts.services import queue_notice
from sspr.celery import app as celery_app
from tests.factories import UserFactory

from .conftest import start_worker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NAME = "pooled"


def notice_for(user):
    return queue_notice(event=record_event(type=AuditEvent.Type.PASSWORD_CHANGED, subject=user))


def worker_backends(*, waiting: bool = False) -> set[int]:
    """The PostgreSQL sessions of the pooled worker (those waiting on a lock, if `waiting`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s"
                       " AND (NOT %s OR wait_event_type = 'Lock')", [NAME, waiting])
        return {pid for (pid,) in cursor.fetchall()}


@pytest.fixture
def pooled_worker(celery_worker, worker_env, tmp_path):
    """A worker whose threads share one pooled connection and wait 1 s at most for it; the
    session's worker takes no task meanwhile. Its sessions carry the application name NAME."""
    celery_app.control.cancel_consumer("celery", destination=[celery_worker.name], reply=True)
    log = tmp_path / "pooled.log"
    env = {**worker_env, "DATABASE_URL": f"{worker_env['DATABASE_URL']}?application_name={NAME}",
           "DJANGO_DB_POOL_SIZE": "1", "DJANGO_DB_POOL_TIMEOUT": "1"}
    process = None
    try:
        process = start_worker(env, log, NAME)
        yield log
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        celery_app.control.add_consumer("celery", destination=[celery_worker.name],
                                        reply=True)


def test_the_worker_sends_every_message_over_the_same_pooled_connection(
        postgres, pooled_worker, smtp_inbox):
    users = [UserFactory() for _ in range(3)]
    notice_for(users[0])
    smtp_inbox.wait_for(1)
    wait_until(lambda: not Message.objects.filter(status="sending").exists())
    (first,) = worker_backends()  # handed back to the pool, not closed

    for user in users[1:]:
        notice_for(user)
    smtp_inbox.wait_for(3)
    wait_until(lambda: not Message.objects.filter(status__in=["pending", "sending"]).exists())

    assert worker_backends() == {first}
    assert sorted(m["X-Envelope-To"] for m in smtp_inbox.messages) == sorted(
        u.email for u in users)


def test_a_thread_that_finds_the_pool_exhausted_queues_its_message_again(
        postgres, pooled_worker, smtp_inbox):
    """The only connection waits on a lock the test holds on the first notice's row; the
    second notice's thread gives up after the pool's timeout, and is sent once it is free."""
    worker = [f"{NAME}@{socket.gethostname()}"]
    first, second = UserFactory(), UserFactory()
    celery_app.control.cancel_consumer("celery", destination=worker, reply=True)
    (held,) = notice_for(first)  # waits in the queue until the row is locked
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                Message.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        celery_app.control.add_consumer("celery", destination=worker, reply=True)
        wait_until(lambda: worker_backends(waiting=True))  # the claim holds the connection
        (queued,) = notice_for(second)
        wait_until(lambda: "messages queued again" in pooled_worker.read_text())
        assert Message.objects.get(pk=queued.pk).status == "pending"
    finally:
        release.set()
        holder.join(timeout=30)

    wait_until(lambda: not Message.objects.filter(status__in=["pending", "sending"]).exists())
    smtp_inbox.wait_for(2)
    assert sorted(smtp_inbox.rcpts) == sorted([first.email, second.email])
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
