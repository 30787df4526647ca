"""A Redis or directory outage answers with a clear "temporarily unavailable" page, never a 500."""

import logging
from http import HTTPStatus

from django.shortcuts import render
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from accounts.directory import DirectoryUnavailable

logger = logging.getLogger(__name__)

# The cache (rate limits) and the broker both live in Redis; either one being unreachable
# surfaces as one of these, and an unreachable directory as DirectoryUnavailable. Failing
# closed with one page says nothing about any account.
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OperationalError, DirectoryUnavailable)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGE_ERRORS):
            return None
        logger.error("service unavailable", extra={"error": type(exception).__name__,
                                                   "path": request.path})
        response = render(request, "unavailable.html", status=HTTPStatus.SERVICE_UNAVAILABLE)
        response["Retry-After"] = "60"
        return response
