"""A laptop: SQLite, tasks in the web process, messages kept in the development outbox."""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "local-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).parents[2] / 'db.sqlite3'}")
os.environ.setdefault("SSPR_BASE_URL", "http://127.0.0.1:8000")

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "verification.senders.outbox.OutboxEmailBackend"
SSPR_DEV_OUTBOX = True
SSPR_SMS_SENDER = "verification.senders.outbox.OutboxSmsSender"
SSPR_VOICE_SENDER = "verification.senders.outbox.OutboxVoiceSender"
# A per-process cache is fine for one runserver; production requires Redis.
SILENCED_SYSTEM_CHECKS = [
    "django_ratelimit.E003",
    "django_ratelimit.W001",
]
