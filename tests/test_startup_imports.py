"""The application loads without the libraries only some requests need (memory per process).

A process that never checks a password (a Celery worker, a management command) never carries
them; gunicorn's master loads them once for all its web workers (sspr.gunicorn)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each is MiBs per process: zxcvbn's dictionaries (needed by the first password checked) and
# qrcode (authenticator enrolment).
LOADED_ON_FIRST_USE = ["zxcvbn", "qrcode"]

PROGRAM = """
import json, sys
from django.core.wsgi import get_wsgi_application
get_wsgi_application()
from django.urls import get_resolver
get_resolver().url_patterns
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def test_a_web_process_starts_without_what_only_some_requests_need():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sspr.settings.test"}
    done = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert loaded.isdisjoint(LOADED_ON_FIRST_USE), loaded & set(LOADED_ON_FIRST_USE)
