"""The WSGI application the benchmark serves: Django's, with the SQL queries of each request
counted into an `X-Bench-Queries` response header (the same wrapper for portal and stock)."""

from django.core.wsgi import get_wsgi_application
from django.db import connection

_django = get_wsgi_application()


def application(environ, start_response):
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    def counted_start_response(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Bench-Queries", str(count))], exc_info)

    with connection.execute_wrapper(counter):
        return _django(environ, counted_start_response)
