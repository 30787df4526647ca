"""The test suite: SQLite unless DATABASE_URL names a real server, cheap Argon2id, the outbox."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("SSPR_BASE_URL", "https://portal.example.test")
# Still Argon2id, at the lowest cost, so that the suite does not spend its time hashing.
os.environ.setdefault("SSPR_ARGON2_TIME_COST", "1")
os.environ.setdefault("SSPR_ARGON2_MEMORY_COST", "256")
os.environ.setdefault("SSPR_ARGON2_PARALLELISM", "1")

from .base import *  # noqa: F403
from .base import env

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "verification.senders.outbox.OutboxEmailBackend"
SSPR_DEV_OUTBOX = True
SSPR_SMS_SENDER = "verification.senders.outbox.OutboxSmsSender"
SSPR_VOICE_SENDER = "verification.senders.outbox.OutboxVoiceSender"
SSPR_REQUIRE_SERVICES = env.bool("SSPR_REQUIRE_SERVICES", default=False)
SILENCED_SYSTEM_CHECKS = [
    "django_ratelimit.E003",
    "django_ratelimit.W001",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders; the suite never runs collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
