"""The real services: PostgreSQL, Redis, a Celery worker process and a local SMTP server.

They are used when DATABASE_URL and REDIS_URL are set; otherwise these tests skip, or fail
when SSPR_REQUIRE_SERVICES=1 (CI), so that a missing service can never pass unnoticed.
"""

import asyncio
import base64
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from sspr.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
# Seconds the worker waits for the SMTP server and for Twilio before it gives up.
SMTP_CLIENT_TIMEOUT = 1


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
    """What a real SMTP server on this machine received, as parsed messages.

    It can be told how to answer: `rcpt_script[address]` lists replies to each RCPT TO for
    that address in turn ("451", "421", "550"; accepted when empty), and `data_script` lists
    what each DATA does: "late" accepts after the client's timeout (delivered, but the client
    never hears it), "hang" answers 451 after the client's timeout (not delivered). Every RCPT
    TO is recorded in `rcpts`, so a test counts the provider calls made per address, and the
    client's address and port it came from in `peers`, so a test counts the connections.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.rcpts: list[str] = []
        self.peers: list[tuple] = []
        self.rcpt_script: dict[str, list[str]] = {}
        self.data_script: list[str] = []
        self._arrived = threading.Condition()

    def reset(self) -> None:
        self.messages.clear()
        self.rcpts.clear()
        self.peers.clear()
        self.rcpt_script.clear()
        self.data_script.clear()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        self.peers.append(session.peer)
        script = self.rcpt_script.get(address)
        reply = script.pop(0) if script else "250"
        if reply != "250":
            return f"{reply} scripted refusal"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        behaviour = self.data_script.pop(0) if self.data_script else ""
        if behaviour == "hang":
            await asyncio.sleep(SMTP_CLIENT_TIMEOUT + 1)
            return "451 scripted: try again later"
        with self._arrived:  # taken for delivery; a "late" answer only says so too late
            message = message_from_bytes(envelope.content, policy=email.policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
            self._arrived.notify_all()
        if behaviour == "late":
            await asyncio.sleep(SMTP_CLIENT_TIMEOUT + 1)
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
    inbox.reset()
    return inbox


class FakeTwilio:
    """A local stand-in for api.twilio.com: records what the twilio library sends and answers
    each request with the next scripted reply ("201" when the script is empty): a status,
    "timeout" (accepts after the client gave up: sent, but its answer is lost), "hang"
    (answers nothing for a minute) or "hold" (answers 201 when the test sets `release`)."""

    SID = "AC" + "0" * 32
    TOKEN = "fake-twilio-token"
    FROM = "+46766861000"

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[str] = []
        self.arrived = threading.Condition()
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                fake.handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def handle(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(http.rfile.read(length).decode()).items()}
        auth = base64.b64decode(http.headers.get("Authorization", "Basic ")[6:]).decode()
        with self.arrived:
            reply = self.script.pop(0) if self.script else "201"
            self.requests.append({"path": http.path, "form": form, "auth": auth,
                                  "reply": reply})
            self.arrived.notify_all()
        if reply in ("timeout", "hang"):
            time.sleep(3 if reply == "timeout" else 60)  # the worker gives up after 1 s
        if reply == "hold":
            self.release.wait(timeout=60)
        status = 201 if reply in ("201", "timeout", "hold") else int(reply)
        body = ({"sid": "SM" + "1" * 32, "status": "queued"} if status == 201 else
                {"code": 20000 + status, "message": "scripted failure", "status": status})
        try:
            http.send_response(status)
            http.send_header("Content-Type", "application/json")
            http.end_headers()
            http.wfile.write(json.dumps(body).encode())
        except OSError:
            pass  # the client gave up waiting, as it should

    def wait_for(self, count: int, timeout: float = 60) -> list[dict]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
        assert len(self.requests) >= count, f"{len(self.requests)} of {count} requests"
        return self.requests


@pytest.fixture(scope="session")
def twilio_server():
    fake = FakeTwilio()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def fake_twilio(twilio_server):
    twilio_server.requests.clear()
    twilio_server.script.clear()
    twilio_server.release.clear()
    yield twilio_server
    twilio_server.release.set()


@pytest.fixture(scope="session")
def worker_env(redis_url, smtp_server, twilio_server, django_db_setup, django_db_blocker):
    """The environment of a production worker, pointed at the test database, SMTP server and
    fake Twilio; it shares the test process's SECRET_KEY so that codes it hashes verify here."""
    controller, _ = smtp_server
    db = connection.settings_dict
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SSPR_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "sspr.settings.production",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "SSPR_BASE_URL": settings.SSPR_BASE_URL,
        "DJANGO_CONN_MAX_AGE": "0",
        "TWILIO_ACCOUNT_SID": twilio_server.SID,
        "TWILIO_AUTH_TOKEN": twilio_server.TOKEN,
        "TWILIO_FROM_NUMBER": twilio_server.FROM,
        "SSPR_TWILIO_API_BASE_URL": twilio_server.url,
        "SSPR_TWILIO_TIMEOUT": str(SMTP_CLIENT_TIMEOUT),
        "DJANGO_EMAIL_TIMEOUT": str(SMTP_CLIENT_TIMEOUT),
        "SSPR_SEND_RETRY_SECONDS": "0.2",
        "SSPR_SEND_LEASE_SECONDS": "3",
        "SSPR_SWEEP_GRACE_SECONDS": "0",
    }


def wait_until(condition, timeout=30):
    """Wait for `condition()` to hold, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail("the condition never held")


def start_worker(env: dict, log: Path, name: str) -> subprocess.Popen:
    """Start a real `celery worker` process named `name@host` and wait until it answers."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sspr", "worker", "--pool=threads",
             "--concurrency=8", "--loglevel=INFO", "--without-mingle", "--without-gossip",
             "-n", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    full_name, deadline = f"{name}@{socket.gethostname()}", time.monotonic() + 60
    while not any(full_name in reply for reply in celery_app.control.ping(timeout=1)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
    return process


@pytest.fixture(scope="session")
def worker_process(worker_env, tmp_path_factory):
    """A real `celery worker` process for the whole session, named test@host."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        unavailable("a worker process needs the PostgreSQL test database")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    redis.Redis.from_url(worker_env["REDIS_URL"]).delete("celery")  # no leftovers from a crash
    process = start_worker(worker_env, log, "test")
    process.name = f"test@{socket.gethostname()}"
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def celery_worker(worker_process):
    """Send this test's tasks through the broker to the real worker; other tests stay eager."""
    celery_app.conf.task_always_eager = False
    try:
        yield worker_process
    finally:
        celery_app.conf.task_always_eager = True
