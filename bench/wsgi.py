"""The WSGI application the benchmark serves: Django's, with the SQL queries of each request
counted into an `X-Bench-Queries` response header and the CPU time the worker process spent
on it (all its threads: Argon2's lanes too) into `X-Bench-CPU-Ms`; the same wrapper for
portal and stock."""

import time

from django.core.wsgi import get_wsgi_application
from django.db import connection

_django = get_wsgi_application()


def application(environ, start_response):
    count = 0
    cpu = time.process_time()

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    def counted_start_response(status, headers, exc_info=None):
        spent = (time.process_time() - cpu) * 1000
        return start_response(status, [*headers, ("X-Bench-Queries", str(count)),
                                       ("X-Bench-CPU-Ms", f"{spent:.1f}")], exc_info)

    with connection.execute_wrapper(counter):
        return _django(environ, counted_start_response)
