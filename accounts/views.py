from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView
from django_ratelimit.decorators import ratelimit

from .forms import ReauthenticateForm, SignInForm
from .reauth import mark_password_verified
from .services import remember_language


def sign_in_rate(group, request) -> str:
    return settings.SSPR_SIGN_IN_IP_RATE


@method_decorator(
    ratelimit(key="ip", rate=sign_in_rate, method="POST", block=False), name="post"
)
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if request.limited:
            # Per client address, whatever the account: says nothing about any ID.
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many sign-in attempts from your network. "
                                   "Wait a few minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form),
                                           status=HTTPStatus.TOO_MANY_REQUESTS)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        mark_password_verified(self.request)
        remember_language(user=form.get_user(), language=self.request.LANGUAGE_CODE)
        return response


class SignOutView(auth_views.LogoutView):
    template_name = "accounts/signed_out.html"


class ReauthenticateView(LoginRequiredMixin, FormView):
    """Ask for the password again before a sensitive change."""

    template_name = "accounts/reauthenticate.html"
    form_class = ReauthenticateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        mark_password_verified(self.request)
        return redirect(self.get_success_url())

    def get_success_url(self) -> str:
        target = self.request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={self.request.get_host()},
                                           require_https=self.request.is_secure()):
            return target
        return settings.LOGIN_REDIRECT_URL
