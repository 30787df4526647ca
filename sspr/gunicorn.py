"""How gunicorn runs the portal (`gunicorn --config python:sspr.gunicorn`).

The application is loaded once, in the master, and the workers are forked from it: Django,
Celery's client, redis-py and zxcvbn's dictionaries then sit in pages every worker shares
with the master, instead of each worker holding its own copy (issue 15: memory per web
worker). Nothing that belongs to one process crosses the fork: the master opens no database,
cache or broker connection, and closes any it has before each fork (a socket shared by two
processes interleaves their statements); Python's `random` reseeds itself in every child, and
codes, keys and tokens come from `secrets` (the kernel), which has no state to share.
"""

import gc
from contextlib import suppress

preload_app = True


def when_ready(server) -> None:
    """Load now what every worker would otherwise load for itself on its first requests."""
    import argon2  # noqa: F401 - the password hasher's bindings
    import zxcvbn  # noqa: F401 - the strength check's 12 MiB of dictionaries
    from django.conf import settings
    from django.contrib.auth import get_backends
    from django.contrib.auth.password_validation import get_default_password_validators
    from django.core.cache import cache
    from django.forms.renderers import get_default_renderer
    from django.template import engines
    from django.urls import reverse
    from django.utils import translation
    from django.utils.module_loading import import_string
    from PIL import Image
    from ua_parser import parse

    from accounts.password_policy import common_passwords
    from sspr.celery import app

    refuse_a_connection_pool()
    pages = engines["jinja2"].env
    for name in pages.list_templates(extensions=["html"]):
        pages.get_template(name)  # every page and form template, compiled once for all workers
    get_default_renderer().get_template("django/forms/field.html")  # the forms' templates
    engines["jinja2"].template_context_processors  # noqa: B018
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # the language's catalogues
            reverse("home")  # the URL patterns, every view and form module
    get_backends()
    import_string(settings.MESSAGE_STORAGE)
    cache._cache  # noqa: B018 - the cache's client; it connects on first use
    app.connection_for_write().transport  # noqa: B018 - kombu's transport, not connected
    Image.preinit()  # the CAPTCHA picture's PNG writer
    parse("")  # ua-parser's browser patterns (the sign-ins on My account)
    common_passwords()  # the password policy's list, read by a worker's first password check
    get_default_password_validators()
    warm_database()
    close_connections()
    # Objects loaded so far live as long as the process: keep the collector from writing to
    # them, which would copy their shared pages into every worker.
    gc.freeze()


def refuse_a_connection_pool() -> None:
    """Stop here if DJANGO_DB_POOL_SIZE is set: it is for the Celery worker's threads.

    A pool opened by the master would be forked into every worker, its connections and its
    threads shared by processes; and a sync worker serving one request at a time needs only
    its persistent connection (DJANGO_CONN_MAX_AGE), which a pool would rule out.
    """
    from django.conf import settings

    if settings.DATABASES["default"].get("OPTIONS", {}).get("pool"):
        raise RuntimeError("DJANGO_DB_POOL_SIZE is for the Celery worker: unset it for gunicorn")


def warm_database() -> None:
    """Read one row, so that the database client's set-up and the ORM's caches are loaded once
    here, in pages the workers share (issue 15: about 3 MiB less in each worker).

    The connection is closed again before any fork (close_connections). Without a database
    the workers set all this up themselves, as they would anyway: nothing depends on it.
    """
    from django.db import DatabaseError

    from accounts.models import PasswordPolicy

    with suppress(DatabaseError):
        PasswordPolicy.objects.filter(pk=1).first()


def pre_fork(server, worker) -> None:
    """Before each fork, also of a worker started again later."""
    close_connections()


def close_connections() -> None:
    """Close the database connections this process holds, so no worker inherits one."""
    from django.db import connections

    connections.close_all()
