from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from .directory import PasswordRefused, WrongPassword, is_locked
from .forms import PasswordChangeForm, ReauthenticateForm, SetPasswordForm, SignInForm
from .links import check_token, user_from_uidb64
from .password_policy import live_rules, policy_rules, strength
from .reauth import mark_password_verified
from .services import (
    change_password,
    must_change_password,
    remember_language,
    set_password_from_link,
    sign_in_activity,
)
from .throttling import LimitedFormMixin, setting_rate

# A view that takes a password keeps it out of error reports and its page out of caches.
takes_password = [sensitive_post_parameters(), never_cache]


@method_decorator(
    ratelimit(key="ip", rate=setting_rate("SSPR_SIGN_IN_IP_RATE"), method="POST", block=False),
    name="post",
)
class SignInView(LimitedFormMixin, auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    # Per client address, whatever the account: says nothing about any ID.
    limited_message = gettext_lazy("Too many sign-in attempts from your network. Wait a few "
                                   "minutes and try again.")

    def form_valid(self, form):
        response = super().form_valid(form)
        mark_password_verified(self.request)
        remember_language(user=form.get_user(), language=self.request.LANGUAGE_CODE)
        if form.get_user().is_staff:
            # Every administrator also types an authenticator code (accounts.admin_site).
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{reverse('verification:second-factor')}?{query}")
        return response


class SignOutView(auth_views.LogoutView):
    """Sign out, and say so on the page the browser lands on."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out. If you are on a shared computer, "
                                    "close the browser as well."))
        return response


@method_decorator(takes_password, name="dispatch")
@method_decorator(
    ratelimit(key="ip", rate=setting_rate("SSPR_REAUTH_IP_RATE"), method="POST", block=False),
    name="post",
)
class ReauthenticateView(LoginRequiredMixin, LimitedFormMixin, FormView):
    """Ask for the password again before a sensitive change."""

    template_name = "accounts/reauthenticate.html"
    form_class = ReauthenticateForm
    limited_message = gettext_lazy("Too many tries from your network. Wait a few minutes and "
                                   "try again.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        # More rights now (changing methods): a new session key, as login() gives one.
        self.request.session.cycle_key()
        mark_password_verified(self.request)
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        target = self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()},
                                           require_https=self.request.is_secure()):
            return target
        return settings.LOGIN_REDIRECT_URL


class AccountOverviewView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/overview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(activity=sign_in_activity(self.request.user), **kwargs)


@method_decorator(takes_password, name="dispatch")
class PasswordChangeView(LoginRequiredMixin, FormView):
    """Change a known password; every session ends, this one too, and the user signs in."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rules=policy_rules(), locked=is_locked(self.request.user),
            must_change=must_change_password(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        if is_locked(request.user):
            return self.get(request, *args, **kwargs)
        usage = self._wrong_password_usage(increment=False)
        if usage["count"] >= usage["limit"]:
            messages.error(request, _("Too many wrong passwords. Wait a while and try again."))
            return redirect("accounts:password-change")
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if "old_password" in form.errors:
            self._wrong_password_usage(increment=True)
        return super().form_invalid(form)

    def _wrong_password_usage(self, *, increment: bool) -> dict:
        return get_usage(self.request, group="password-change", key="user",
                         rate=setting_rate("SSPR_CHANGE_PASSWORD_RATE"), increment=increment)

    def form_valid(self, form):
        try:
            change_password(request=self.request, old_password=form.cleaned_data["old_password"],
                            password=form.cleaned_data["new_password1"])
        except WrongPassword:
            form.add_error("old_password", form.error_messages["password_incorrect"])
            return self.form_invalid(form)
        except PasswordRefused as refusal:
            form.add_error("new_password1", refusal.message)
            return self.form_invalid(form)
        logout(self.request)
        messages.success(self.request, _("Your password was changed. Sign in with your new "
                                         "password."))
        return redirect("accounts:sign-in")


@method_decorator(
    ratelimit(key="ip", rate=setting_rate("SSPR_PASSWORD_CHECK_RATE"), method="POST",
              block=True),
    name="post",
)
@method_decorator(takes_password, name="dispatch")
class PasswordCheckView(View):
    """Tell the page's checklist which policy rules a password meets, as it is typed."""

    def post(self, request):
        password = request.POST.get("password", "")
        user = request.user if request.user.is_authenticated else None
        rules = live_rules(password, user)
        in_bounds = all(r["ok"] for r in rules if r["rule"] == "length")
        score = strength(password, user) if in_bounds else 0
        return JsonResponse({"rules": rules, "score": score})


@method_decorator(takes_password, name="dispatch")
class SetPasswordView(FormView):
    """Choose a password through an administrator's one-time link, then sign in.

    As in Django's PasswordResetConfirmView, the token leaves the URL at once: it is kept in
    the session and the browser is sent to a URL without it, so it cannot leak through the
    Referer header, the history or a proxy's log (SPEC 8.8).
    """

    template_name = "accounts/set_password.html"
    form_class = SetPasswordForm
    URL_PLACEHOLDER = "set"
    SESSION_KEY = "accounts.set_password_token"

    def dispatch(self, request, *args, uidb64: str, token: str, **kwargs):
        self.user = user_from_uidb64(uidb64)
        if token != self.URL_PLACEHOLDER:
            request.session[self.SESSION_KEY] = token
            return redirect("accounts:set-password", uidb64=uidb64, token=self.URL_PLACEHOLDER)
        if not check_token(self.user, request.session.get(self.SESSION_KEY, "")):
            return self.render_to_response({"invalid": True})
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(rules=policy_rules(), **kwargs)

    def form_valid(self, form):
        try:
            set_password_from_link(request=self.request, user=self.user,
                                   password=form.cleaned_data["new_password1"])
        except PasswordRefused as refusal:
            form.add_error("new_password1", refusal.message)
            return self.form_invalid(form)
        del self.request.session[self.SESSION_KEY]
        messages.success(self.request, _("Your password is set. Sign in with it now."))
        return redirect("accounts:sign-in")
