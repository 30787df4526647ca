"""The administration site: entered only through the portal's sign-in, with a second factor."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


class PortalAdminSite(admin.AdminSite):
    """Django's admin, but every staff session needs a verified authenticator.

    There is one sign-in form, `/sign-in/`, with one per-address limit and one lockout: the
    admin's own login form is never shown, so it cannot be used to guess passwords around
    them. Staff who signed in with a password only are sent to the authenticator step
    (django-otp's `is_verified`), as every administrator role requires MFA. The admin's
    "Change password" is the portal's, with its policy, history rule, audit and notice.
    """

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            target = reverse("admin:index", current_app=self.name)
        query = urlencode({REDIRECT_FIELD_NAME: target})
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            return redirect(f"{reverse('verification:second-factor')}?{query}")
        return redirect(f"{reverse('accounts:sign-in')}?{query}")

    def password_change(self, request, extra_context=None):
        return redirect("accounts:password-change")

    def password_change_done(self, request, extra_context=None):
        return redirect("accounts:overview")
