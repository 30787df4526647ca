"""gunicorn loads the portal once and forks its workers: nothing per-process crosses the fork."""

import gc
import os
import random
import shlex
import sys
import weakref
from pathlib import Path

import pytest
import yaml
from django.db import OperationalError, connection
from django.template import engines

from accounts.password_policy import common_passwords
from sspr import gunicorn

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ["--config", "python:sspr.gunicorn"]
# Django never closes an in-memory SQLite test database: what the master closes is a server's.
closes_connections = pytest.mark.skipif(connection.vendor == "sqlite",
                                        reason="an in-memory SQLite database is never closed")


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def in_child(answer) -> str:
    """What `answer()` returns in a forked child, as the child sees it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe and exits
        try:
            os.write(write, str(answer()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        value = pipe.read()
    os.waitpid(pid, 0)
    return value


@closes_connections
@pytest.mark.django_db(transaction=True)
def test_the_master_loads_the_application_and_keeps_no_database_connection(unfrozen):
    connection.ensure_connection()
    common_passwords.cache_clear()
    gunicorn.when_ready(server=None)
    assert connection.connection is None
    assert "zxcvbn" in sys.modules
    assert common_passwords.cache_info().currsize == 1
    pages = engines["jinja2"].env
    assert (weakref.ref(pages.loader), "reset/verify.html") in pages.cache  # compiled here
    assert gc.get_freeze_count() > 0


@pytest.mark.django_db(transaction=True)
def test_the_master_starts_without_the_database(unfrozen, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.models.query.QuerySet.first", unreachable)
    gunicorn.when_ready(server=None)
    assert gc.get_freeze_count() > 0


def test_the_master_refuses_the_workers_connection_pool(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "OPTIONS", {"pool": {"max_size": 10}})
    with pytest.raises(RuntimeError, match="DJANGO_DB_POOL_SIZE"):
        gunicorn.when_ready(server=None)


@closes_connections
@pytest.mark.django_db(transaction=True)
def test_no_worker_inherits_a_database_connection_of_the_master():
    connection.ensure_connection()
    gunicorn.pre_fork(server=None, worker=None)
    assert in_child(lambda: connection.connection is None) == "True"


def test_each_worker_draws_its_own_random_numbers():
    assert in_child(random.random) != in_child(random.random)


def gunicorn_argv(argv: list[str]) -> list[str]:
    """The gunicorn command in `argv`, also when a shell runs it after other commands."""
    if argv[:2] == ["sh", "-c"]:
        argv = shlex.split(argv[2].split("&&")[-1])
    return argv[argv.index("gunicorn"):]


def test_the_deployment_runs_gunicorn_with_this_configuration():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = gunicorn_argv(shlex.split(compose["services"]["web"]["command"]))
    dockerfile = next(line for line in (ROOT / "Dockerfile").read_text().splitlines()
                      if line.startswith("CMD"))
    image = gunicorn_argv(yaml.safe_load(dockerfile.removeprefix("CMD")))
    for argv in (web, image):
        assert " ".join(CONFIG) in " ".join(argv), argv
