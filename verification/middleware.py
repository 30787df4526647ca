"""After sign-in, send the person once to /setup/ if they must register or reconfirm."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .services import setup_reminder_due
from .signals import SETUP_CHECK_KEY

# Never interrupt these: the setup pages themselves, administration, the reset wizard, the
# outbox, and the accounts pages that must finish first (signing out, re-authenticating, a
# forced password change, which takes priority over this reminder).
SKIPPED_NAMESPACES = {"verification", "admin", "reset", "outbox", "captcha"}
SKIPPED_VIEWS = {"set_language", "healthz", "accounts:sign-in", "accounts:sign-out",
                 "accounts:reauthenticate", "accounts:password-change",
                 "accounts:password-check"}


class SetupReminderMiddleware:
    """Redirect the first ordinary page after sign-in to /setup/ when the policy asks for it.

    Asked once per sign-in: the flag is dropped whatever the answer, so "Skip for now" works
    and the person is asked again the next time they sign in (SPEC 3.4).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "GET" or not request.user.is_authenticated:
            return None
        if not request.session.get(SETUP_CHECK_KEY):
            return None
        match = request.resolver_match
        if match is None or match.namespace in SKIPPED_NAMESPACES:
            return None
        if match.view_name in SKIPPED_VIEWS:
            return None
        del request.session[SETUP_CHECK_KEY]
        if not setup_reminder_due(request.user):
            return None
        query = urlencode({"next": request.get_full_path(), "reminder": "1"})
        return redirect(f"{reverse('verification:setup')}?{query}")
