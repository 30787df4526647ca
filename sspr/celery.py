"""The Celery application: configured from Django's settings, tasks found in each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sspr.settings.local")

app = Celery("sspr")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
