"""Outages of Redis, PostgreSQL or the directory answer with a clear "temporarily
unavailable" page (503), never a 500; anything else unexpected gets the portal's own
translated error page."""

import logging
import sys
from http import HTTPStatus

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError
from django.db import OperationalError as DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from accounts.directory import DirectoryUnavailable

logger = logging.getLogger(__name__)

# The cache (rate limits) and the broker live in Redis, everything else in PostgreSQL or the
# directory; any of them being unreachable surfaces as one of these. Failing closed with a
# page says nothing about any account.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OperationalError, DatabaseError,
                 InterfaceError, DirectoryUnavailable)

# An error page must not need what may be down: no session (messages, the signed-in user).
DATABASE_FREE = {"messages": (), "user": AnonymousUser()}


def outage_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    logger.error("service unavailable", extra={"error": type(error).__name__,
                                               "path": request.path})
    response = render(request, "unavailable.html", DATABASE_FREE,
                      status=HTTPStatus.SERVICE_UNAVAILABLE)
    response["Retry-After"] = "60"
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGE_ERRORS):
            return None
        return outage_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage met outside a view (say, reading the session) is still a 503."""
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS):
        return outage_response(request, error)
    return render(request, "500.html", DATABASE_FREE,
                  status=HTTPStatus.INTERNAL_SERVER_ERROR)
