"""Settings read from the environment, as each process sees them at start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def database_settings(**environment: str) -> dict:
    """The default database's settings in a new process started with `environment`."""
    script = ("import json; from django.conf import settings; "
              "print(json.dumps(settings.DATABASES['default'], default=str))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sspr.settings.test",
           "DATABASE_URL": "postgres://sspr@localhost/sspr", **environment}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout)


def test_processes_keep_persistent_connections_and_no_pool_by_default():
    database = database_settings(DJANGO_CONN_MAX_AGE="60")
    assert database["CONN_MAX_AGE"] == 60
    assert "pool" not in database.get("OPTIONS", {})


@pytest.mark.parametrize(("size", "bounds"), [("10", (2, 10)), ("1", (1, 1))])
def test_the_worker_shares_a_bounded_pool_of_connections_that_close_into_it(size, bounds):
    database = database_settings(DJANGO_CONN_MAX_AGE="60", DJANGO_DB_POOL_SIZE=size,
                                 DJANGO_DB_POOL_TIMEOUT="5")
    pool = database["OPTIONS"]["pool"]
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (*bounds, 5)
    assert database["CONN_MAX_AGE"] == 0  # Django allows no persistent connection with a pool
