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

preload_app = True


def when_ready(server) -> None:
    """Load now what every worker would otherwise load for itself on its first requests."""
    import argon2  # noqa: F401 - the password hasher's bindings
    import zxcvbn  # noqa: F401 - the strength check's 12 MiB of dictionaries
    from django.conf import settings
    from django.contrib.auth import get_backends
    from django.core.cache import cache
    from django.forms.renderers import get_default_renderer
    from django.template import engines
    from django.template.loader import get_template
    from django.urls import reverse
    from django.utils import translation
    from django.utils.module_loading import import_string
    from PIL import Image
    from ua_parser import parse

    from sspr.celery import app

    get_template("base.html")  # the template engine and every tag library
    get_default_renderer().get_template("django/forms/field.html")  # the forms' Jinja2
    engines["django"].engine.template_context_processors  # noqa: B018
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # the language's catalogues
            reverse("home")  # the URL patterns, every view and form module
    get_backends()
    import_string(settings.MESSAGE_STORAGE)
    cache._cache  # noqa: B018 - the cache's client; it connects on first use
    app.connection_for_write().transport  # noqa: B018 - kombu's transport, not connected
    Image.preinit()  # the CAPTCHA picture's PNG writer
    parse("")  # ua-parser's browser patterns (the sign-ins on My account)
    close_connections()
    # Objects loaded so far live as long as the process: keep the collector from writing to
    # them, which would copy their shared pages into every worker.
    gc.freeze()


def pre_fork(server, worker) -> None:
    """Before each fork, also of a worker started again later."""
    close_connections()


def close_connections() -> None:
    """Close the database connections this process holds, so no worker inherits one."""
    from django.db import connections

    connections.close_all()
