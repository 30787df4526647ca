from functools import cache

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .models.policy import policies_read_once
from .services import must_change_password

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
