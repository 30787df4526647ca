"""The laptop's default run (SQLite, no services) keeps working when CI tests on PostgreSQL.

Statements the portal writes itself must work on both databases: a page that reads the
person's methods in one statement is exercised here on SQLite, in a run of its own.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["tests/verification/test_setup_pages.py", "tests/verification/test_reminder.py"]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="this run is the SQLite run already")
def test_the_setup_pages_pass_on_sqlite():
    env = {name: value for name, value in os.environ.items()
           if name not in {"DATABASE_URL", "REDIS_URL", "SSPR_REQUIRE_SERVICES"}}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *MODULES], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:]
