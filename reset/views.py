from contextlib import suppress

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView, View
from django_ratelimit.decorators import ratelimit

from accounts.directory import DirectoryUnavailable, PasswordRefused
from accounts.models import ResetPolicy
from accounts.password_policy import policy_rules
from accounts.throttling import LimitedFormMixin, setting_rate
from accounts.views import takes_password

from . import services
from .forms import AnswersForm, CodeForm, DestinationForm, IdentifyForm, MethodForm, NewPasswordForm
from .models import ResetAttempt

Step = ResetAttempt.Step

STEP_URLS = {
    Step.VERIFY: "reset:verify",
    Step.NEW_PASSWORD: "reset:new-password",
    Step.UNLOCK: "reset:unlock",
    Step.DONE: "reset:done",
}


def step_url(attempt: ResetAttempt) -> str:
    name = STEP_URLS.get(attempt.step)
    return reverse(name) if name else reverse("reset:outcome")


@method_decorator(ratelimit(key="ip", rate=setting_rate("SSPR_RESET_IDENTIFY_IP_RATE"),
                            method="POST", block=False), name="post")
class IdentifyView(LimitedFormMixin, FormView):
    """Step 1: who are you, are you a person, and what do you need."""

    template_name = "reset/identify.html"
    form_class = IdentifyForm
    limited_message = gettext_lazy("Too many tries from your network. Wait a minute and try "
                                   "again.")

    def get_initial(self):
        # The sign-in page links here with ?mode=unlock for a locked account's owner.
        mode = self.request.GET.get("mode")
        return {**super().get_initial(), **({"mode": mode} if mode in ResetAttempt.Mode else {})}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        attempt = services.start_reset(request=self.request,
                                       identifier=form.cleaned_data["username"],
                                       mode=form.cleaned_data["mode"])
        return redirect(step_url(attempt))


class AttemptMixin:
    """Load the session's attempt and send the browser to its step if this is another one.

    The server decides where an attempt is; nothing the browser sends can move it (SPEC 8.2).
    """

    steps: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        attempt = services.current_attempt(request)
        if attempt is None:
            messages.info(request, _("Your reset session has ended. Start again."))
            return redirect("reset:identify")
        if elsewhere := self.redirect_for(attempt):
            return redirect(elsewhere)
        self.attempt = attempt
        return super().dispatch(request, *args, **kwargs)

    def redirect_for(self, attempt: ResetAttempt) -> str | None:
        return None if attempt.step in self.steps else step_url(attempt)

    def get_context_data(self, **kwargs):
        return super().get_context_data(attempt=self.attempt, **kwargs)


class VerifyView(AttemptMixin, FormView):
    """Step 2: choose the method for the next gate."""

    steps = (Step.VERIFY,)
    template_name = "reset/verify.html"
    form_class = MethodForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "methods": services.offered_methods(self.attempt)}

    def form_valid(self, form):
        method = form.cleaned_data["method"]
        services.choose_method(attempt=self.attempt, method=method)
        return redirect("reset:gate", method=method)


class GateMixin(AttemptMixin):
    """A gate page: only for the method the attempt has chosen."""

    steps = (Step.VERIFY,)
    method = ""
    wrong_message = ""

    def redirect_for(self, attempt: ResetAttempt) -> str | None:
        if elsewhere := super().redirect_for(attempt):
            return elsewhere
        return None if attempt.method == self.method else reverse("reset:verify")

    def get_context_data(self, **kwargs):
        return super().get_context_data(method=self.method, **kwargs)

    def after_check(self, checked: services.Checked, form):
        # The attempt as the check left it: no need to read it again.
        attempt = self.attempt = checked.attempt
        if attempt.step == Step.UNLOCK:
            with suppress(DirectoryUnavailable):
                # The attempt waits at the unlock step, whose page offers another try.
                services.finish_unlock(attempt=attempt, request=self.request)
            attempt.refresh_from_db()
        if attempt.step != Step.VERIFY:
            return redirect(step_url(attempt))
        if checked.passed:
            messages.success(self.request, _("Verified. Now choose a second method."))
            return redirect("reset:verify")
        if attempt.method != self.method:
            messages.error(self.request, _("That didn't work. Try again, or choose another "
                                           "method."))
            return redirect("reset:verify")
        form.add_error(None, self.wrong_message)
        return self.render_to_response(self.get_context_data(form=form))


@sensitive_post_parameters()
@never_cache
def gate_view(request, method: str):
    """Route /reset/verify/<method>/ to the page for that kind of gate."""
    if method in services.CODE_METHODS:
        view = CodeGateView
    elif method == services.APP:
        view = AppGateView
    elif method == services.QUESTIONS:
        view = QuestionsGateView
    else:
        raise Http404
    return view.as_view(method=method)(request)


class CodeGateView(GateMixin, FormView):
    """Ask where to send a code (or show where it goes), then ask for the code."""

    template_name = "reset/gate_code.html"

    def get_form_class(self):
        return CodeForm if self.attempt.code_requested else DestinationForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if not self.attempt.code_requested:
            email = self.method == services.EMAIL
            kwargs.update(label=_("Your alternate email address") if email
                          else _("Your phone number"), input_type="email" if email else "tel")
        return kwargs

    def get_context_data(self, **kwargs):
        show = ResetPolicy.current().show_account_state
        method = next((m for m in services.offered_methods(self.attempt)
                       if m.key == self.method), None)
        return super().get_context_data(show_state=show, method_info=method,
                                        wait=services.resend_wait(self.attempt), **kwargs)

    def post(self, request, *args, **kwargs):
        if "resend" in request.POST:
            return self.asked(services.request_code(attempt=self.attempt, request=request),
                              _("If it's a number or address registered for your account, a "
                                "new code is on its way."))
        if not self.attempt.code_requested and ResetPolicy.current().show_account_state:
            return self.asked(services.request_code(attempt=self.attempt, request=request))
        return super().post(request, *args, **kwargs)

    def asked(self, wait: int, sent_message: str = ""):
        """Back to the gate, saying when another code may be asked for if it is too soon.

        The wait belongs to the attempt and is the same for every ID, so showing it says
        nothing about the account (SPEC 8.1).
        """
        if not wait:
            if sent_message:
                messages.info(self.request, sent_message)
        elif not self.attempt.code_requested:  # else the code page itself says how long
            messages.info(self.request, ngettext(
                "You can ask for another code in %(n)s second.",
                "You can ask for another code in %(n)s seconds.", wait) % {"n": wait})
        return redirect("reset:gate", method=self.method)

    def form_valid(self, form):
        if isinstance(form, DestinationForm):
            return self.asked(services.request_code(attempt=self.attempt, request=self.request,
                                                    typed=form.cleaned_data["destination"]))
        checked = services.check_code(attempt=self.attempt, request=self.request,
                                      method=self.method, code=form.cleaned_data["code"])
        self.wrong_message = _("That code didn't work. Check it and try again, or send a new "
                               "code.")
        return self.after_check(checked, form)


class AppGateView(GateMixin, FormView):
    template_name = "reset/gate_app.html"
    form_class = CodeForm

    def form_valid(self, form):
        checked = services.check_app_code(attempt=self.attempt, request=self.request,
                                          token=form.cleaned_data["code"])
        self.wrong_message = _("That code didn't work. Wait for the next code in your app and "
                               "try again.")
        return self.after_check(checked, form)


class QuestionsGateView(GateMixin, FormView):
    template_name = "reset/gate_questions.html"
    form_class = AnswersForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(),
                "questions": services.draw_questions(self.attempt)}

    def form_valid(self, form):
        checked = services.check_answers(attempt=self.attempt, request=self.request,
                                         answers=form.answers())
        return self.after_check(checked, form)


class GiveUpView(AttemptMixin, View):
    """"I can't use any of these": stop on the neutral page, with the support code."""

    steps = (Step.VERIFY,)

    def post(self, request):
        services.end_unverified(attempt=self.attempt, request=request)
        return redirect("reset:outcome")


@method_decorator(takes_password, name="dispatch")
class NewPasswordView(AttemptMixin, FormView):
    """Step 3: the new password, under the same policy as everywhere else."""

    steps = (Step.NEW_PASSWORD,)
    template_name = "reset/new_password.html"
    form_class = NewPasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.attempt.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(rules=policy_rules(), **kwargs)

    def form_valid(self, form):
        try:
            services.finish_reset(attempt=self.attempt, request=self.request,
                                  password=form.cleaned_data["new_password1"])
        except PasswordRefused as refusal:
            form.add_error("new_password1", refusal.message)
            return self.form_invalid(form)
        return redirect("reset:done")


class UnlockView(AttemptMixin, TemplateView):
    """Every gate passed for an unlock the directory could not take yet: try again."""

    steps = (Step.UNLOCK,)
    template_name = "reset/unlock.html"

    def post(self, request):
        services.finish_unlock(attempt=self.attempt, request=request)
        return redirect("reset:done")


class DoneView(AttemptMixin, TemplateView):
    """The end; it stays for a reload, and every other step of the attempt leads back here."""

    steps = (Step.DONE,)
    template_name = "reset/done.html"


class OutcomeView(AttemptMixin, TemplateView):
    """Where an attempt stops short: the neutral page, a block, or (when shown) the reason."""

    steps = (Step.UNVERIFIED, Step.BLOCKED, Step.NOT_FOUND, Step.NOT_ENABLED,
             Step.NOT_REGISTERED, Step.MANAGED_ELSEWHERE)

    def get_template_names(self):
        # Not registered reads like the neutral page: the person can do nothing more here.
        step = Step.UNVERIFIED if self.attempt.step == Step.NOT_REGISTERED else self.attempt.step
        return [f"reset/outcome_{step}.html"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(policy=ResetPolicy.current(), **kwargs)


@method_decorator(ratelimit(key="ip", rate=setting_rate("SSPR_HELPDESK_IP_RATE"),
                            method="POST", block=False), name="post")
class ContactHelpdeskView(AttemptMixin, TemplateView):
    steps = OutcomeView.steps
    template_name = "reset/helpdesk_contacted.html"

    def post(self, request):
        if not request.limited:
            services.contact_helpdesk(attempt=self.attempt, request=request)
        return self.render_to_response(self.get_context_data())
