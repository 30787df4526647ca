"""The real services: PostgreSQL, Redis, a Celery worker process and a local SMTP server.

They are used when DATABASE_URL and REDIS_URL are set; otherwise these tests skip, or fail
when SSPR_REQUIRE_SERVICES=1 (CI), so that a missing service can never pass unnoticed.
"""

import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from sspr.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def unavailable(reason: str):
    if settings.SSPR_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    url = settings.REDIS_URL
    if not url:
        unavailable("REDIS_URL is not set")
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at REDIS_URL does not answer: {exc}")
    return url


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        unavailable("DATABASE_URL does not name a PostgreSQL server")
    return connection


class SmtpInbox:
    """What a real SMTP server on this machine received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self._arrived:
            message = message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 30) -> list[Message]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} emails arrived"
        return self.messages


@pytest.fixture(scope="session")
def smtp_server():
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def smtp_inbox(smtp_server):
    _, inbox = smtp_server
    inbox.messages.clear()
    return inbox


@pytest.fixture(scope="session")
def worker_env(redis_url, smtp_server, django_db_setup, django_db_blocker):
    """The environment of a production worker, pointed at the test database and SMTP server."""
    controller, _ = smtp_server
    db = connection.settings_dict
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SSPR_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "sspr.settings.production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY * 3,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "SSPR_BASE_URL": settings.SSPR_BASE_URL,
        "DJANGO_CONN_MAX_AGE": "0",
    }


@pytest.fixture(scope="session")
def celery_worker(worker_env, tmp_path_factory):
    """Start a real `celery worker` process and wait until it answers a ping."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        unavailable("a worker process needs the PostgreSQL test database")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    redis.Redis.from_url(worker_env["REDIS_URL"]).delete("celery")  # no leftovers from a crash
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sspr", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-mingle", "--without-gossip", "-n", "test@%h"],
            cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT,
        )
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        process.wait(timeout=30)
