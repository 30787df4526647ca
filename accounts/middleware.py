import logging
from functools import cache
from http import HTTPStatus

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .models.policy import policies_read_once
from .services import must_change_password

logger = logging.getLogger(__name__)

# What a user who must change their password can still reach.
ALLOWED_PREFIXES = ("/static/", "/i18n/", "/healthz", "/dev/")


class MustChangePasswordMiddleware:
    """Send a user with a temporary, expired or flagged password to the change page.

    Until it is done nothing else works (SPEC 4): an administrator's temporary password, or
    an expired one, must not stay in use.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and self._must_leave(request.path)
                and must_change_password(user)):
            return redirect("accounts:password-change")
        return self.get_response(request)

    @staticmethod
    def _must_leave(path: str) -> bool:
        return path not in allowed_paths() and not path.startswith(ALLOWED_PREFIXES)


@cache
def allowed_paths() -> frozenset[str]:
    """The pages that finish the change, reversed once rather than on every request."""
    return frozenset(reverse(name) for name in
                     ("accounts:password-change", "accounts:sign-out", "accounts:password-check"))


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of any page the portal renders.

    Nearly every page shows a secret-bearing form or someone's personal data (account,
    methods, the wizard's steps), and the back button or a shared computer's cache must not
    bring one back (OWASP ASVS 8.2.1). A view that chose its own caching keeps it; static
    files are served before this middleware runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class PoliciesReadOnceMiddleware:
    """Read each policy record at most once per request, however many rules ask for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with policies_read_once():
            return self.get_response(request)


class BadInputMiddleware:
    """Answer input the database cannot take with 400 and a clear page, never a 500.

    A NUL byte fits no PostgreSQL text and a number can be beyond any column (DataError,
    OverflowError); an admin filter can name no field. Each is the request's fault, and
    nothing was changed: the statement failed. A URL naming an object that does not exist
    is a 404. Forms refuse such input field by field before it gets this far.
    """

    ERRORS = (DataError, IncorrectLookupParameters, OverflowError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ObjectDoesNotExist):
            # A page that looks up the object its URL names without get_object_or_404
            # (django-otp's device admin): the object is not there, which is a 404.
            raise Http404 from exception
        if not isinstance(exception, self.ERRORS):
            return None
        logger.warning("bad input", extra={"error": type(exception).__name__,
                                           "path": request.path})
        return render(request, "bad_request.html", status=HTTPStatus.BAD_REQUEST)
