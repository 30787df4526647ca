"""The /setup/ pages: read the request, call one service, redirect or render."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, ListView, TemplateView

from accounts.reauth import require_recent_password

from . import services
from .codes import Result
from .forms import CodeForm, EmailForm, PhoneForm, SecurityQuestionsForm
from .models import OutboxEntry, VerificationCode


def staff_second_factor(view):
    """Staff who have an authenticator change their methods only in a verified session.

    Otherwise a stolen staff password alone would enrol the thief's own app, or remove the
    real one, and so pass the administration's second factor.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.is_staff and not user.is_verified() and services.has_authenticator(user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('verification:second-factor')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


# Changing how someone proves who they are needs a password typed in the last 10 minutes.
sensitive = [login_required, require_recent_password, staff_second_factor, never_cache,
             sensitive_post_parameters()]


class OutboxListView(ListView):
    """Show what the portal would have sent: local mode only, never routed in production."""

    model = OutboxEntry
    template_name = "verification/outbox.html"
    context_object_name = "entries"
    paginate_by = 50


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    # Only a path on this site: "foo" would be taken by redirect() for a view's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@method_decorator([login_required, never_cache], name="dispatch")
class SetupView(TemplateView):
    """Every method the policy enables, its state, and "Looks good"."""

    template_name = "verification/setup.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "overview": services.setup_overview(self.request.user),
            "reminder": self.request.GET.get("reminder") == "1",
            "next": safe_next(self.request, ""),
        }

    def post(self, request):
        if not services.confirm_methods(user=request.user, request=request):
            messages.error(request, _("Set up at least one method first."))
            return redirect("verification:setup")
        messages.success(request, _("Thank you. Your security info is confirmed."))
        return redirect(safe_next(request, reverse("verification:setup")))


@method_decorator(sensitive, name="dispatch")
class ContactStartView(FormView):
    """Ask for a phone number or an email address and send it a code."""

    kind = ""

    def get_template_names(self):
        return [f"verification/{self.kind}_form.html"]

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        if self.kind == services.PHONE:
            return PhoneForm(data, channels=services.phone_channels())
        return EmailForm(data, user=self.request.user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kind": self.kind,
                "phone_channels": services.phone_channels()}

    def form_valid(self, form):
        if self.kind == services.PHONE:
            channel, destination = form.cleaned_data["channel"], form.cleaned_data["number"]
        else:
            channel, destination = VerificationCode.Channel.EMAIL, form.cleaned_data["address"]
        try:
            services.send_code(user=self.request.user, channel=channel, destination=destination,
                               purpose=VerificationCode.Purpose.REGISTRATION,
                               request=self.request)
        except services.CodeNotSent as refusal:
            form.add_error(None, refusal.message)
            return self.form_invalid(form)
        return redirect(f"verification:verify-{self.kind}")


@method_decorator(sensitive, name="dispatch")
class ContactVerifyView(FormView):
    """Take the code sent to the new phone or email; register it once the code is right."""

    kind = ""
    form_class = CodeForm
    template_name = "verification/contact_verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.pending = services.pending_registration(user=request.user, kind=self.kind)
        if self.pending is None:
            return redirect(f"verification:{self.kind}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kind": self.kind,
                "pending": self.pending,
                "minutes": max(1, settings.SSPR_CODE_LIFETIME_SECONDS // 60)}

    def post(self, request, *args, **kwargs):
        if "resend" in request.POST:
            return self.resend()
        return super().post(request, *args, **kwargs)

    def resend(self):
        try:
            services.resend_registration_code(user=self.request.user, kind=self.kind,
                                              request=self.request)
        except services.CodeNotSent as refusal:
            messages.error(self.request, refusal.message)
        else:
            messages.info(self.request, _("We sent a new code. Only the newest code works."))
        return redirect(f"verification:verify-{self.kind}")

    def form_valid(self, form):
        check = services.register_contact(user=self.request.user, kind=self.kind,
                                          code=form.cleaned_data["code"], request=self.request)
        if check.accepted:
            messages.success(self.request, _("Verified. It now counts as one of your methods."))
            return redirect("verification:setup")
        form.add_error("code", code_error(check))
        return self.form_invalid(form)


def code_error(check) -> str:
    left = services.tries_left(check)
    if check.result is Result.WRONG and left:
        return _("That code is not right. Check it and try again.")
    return _("That code no longer works: it has expired, was already used or was typed wrong "
             "too many times. Send a new code.")


@method_decorator(sensitive, name="dispatch")
class AuthenticatorView(FormView):
    """Enrol an authenticator app: a QR code to scan, then its first code."""

    form_class = CodeForm
    template_name = "verification/authenticator.html"

    def get_context_data(self, **kwargs):
        device = services.start_authenticator(user=self.request.user)
        return {**super().get_context_data(**kwargs), "secret": services.totp_secret(device)}

    def form_valid(self, form):
        token = form.cleaned_data["code"]
        if services.confirm_authenticator(user=self.request.user, token=token,
                                          request=self.request):
            messages.success(self.request, _("Your authenticator app is set up."))
            return redirect(safe_next(self.request, reverse("verification:setup")))
        form.add_error("code", _("That code is not right. Type the code your app shows now; "
                                 "if it was just used, wait for the next one."))
        return self.form_invalid(form)


@method_decorator([login_required, never_cache], name="dispatch")
class SecondFactorView(FormView):
    """After the password, staff type their authenticator code; without one, they enrol first.

    Every administrator role needs a second factor; the admin site refuses a session
    without one (accounts.admin_site).
    """

    form_class = CodeForm
    template_name = "verification/second_factor.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_staff or user.is_verified():
            return redirect(self.get_success_url())
        if not services.has_authenticator(user):
            messages.info(request, _("Administrators sign in with an authenticator app. Set "
                                     "yours up now; you need it every time you sign in."))
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{reverse('verification:authenticator')}?{query}")
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self) -> str:
        return safe_next(self.request, resolve_url(settings.LOGIN_REDIRECT_URL))

    def form_valid(self, form):
        if services.verify_second_factor(request=self.request, token=form.cleaned_data["code"]):
            return redirect(self.get_success_url())
        form.add_error("code", _("That code is not right. Type the code your app shows now; "
                                 "if it was just used, wait for the next one."))
        return self.form_invalid(form)


@method_decorator(sensitive, name="dispatch")
class AuthenticatorQrView(View):
    """The enrolment QR code as SVG, drawn on our own server (no third party sees the secret)."""

    def get(self, request):
        uri = services.authenticator_uri(user=request.user)
        if uri is None:
            raise Http404
        # Imported here: only enrolment draws a QR code, and every web process need not hold it.
        import qrcode
        import qrcode.image.svg

        image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
        return HttpResponse(image.to_string(), content_type="image/svg+xml")


@method_decorator(sensitive, name="dispatch")
class SecurityQuestionsView(FormView):
    template_name = "verification/questions.html"

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return SecurityQuestionsForm(data, count=services.questions_to_register())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["pairs"] = [(form[q], form[a]) for q, a in form.pairs()]
        return context

    def form_valid(self, form):
        services.register_security_answers(user=self.request.user, answers=form.answers(),
                                           request=self.request)
        messages.success(self.request, _("Your security questions are saved."))
        return redirect("verification:setup")


@method_decorator(sensitive, name="dispatch")
class MethodRemoveView(TemplateView):
    """Confirm, then remove one method."""

    template_name = "verification/remove.html"
    method = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "method": self.method,
                "label": services.METHOD_LABELS[self.method]}

    def post(self, request):
        services.remove_method(user=request.user, method=self.method, request=request)
        messages.success(request, _("Removed."))
        return redirect("verification:setup")
