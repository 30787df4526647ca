"""The two policy records: one page each, validated, audited, and a confirmation first where
a change reaches many users (a tighter reset policy, a new expiry rule)."""

import copy

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..expiry import EXPIRY_FIELDS, preview_expiry
from ..models import PasswordPolicy, ResetPolicy
from ..policies import impact_of, registration_data, tightens, update_policy


class SingletonAdmin(admin.ModelAdmin):
    """One record (pk 1): the list goes straight to it; nobody adds or deletes one."""

    def changelist_view(self, request, extra_context=None):
        return redirect(f"admin:accounts_{self.opts.model_name}_change",
                        self.model.current().pk)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        update_policy(policy=obj, actor=request.user, request=request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_confirmed" not in request.POST:
            proposed = self._proposed(request)
            page = None if proposed is None else self.confirmation_page(request, proposed)
            if page is not None:
                return page
        return super().changeform_view(request, object_id, form_url, extra_context)

    def confirmation_page(self, request, proposed):
        """A page to confirm before `proposed` is saved, or None to save at once."""
        return None

    def _proposed(self, request):
        current = self.model.current()
        form = self.get_form(request, current, change=True)(
            request.POST, instance=copy.copy(current))
        if not self.has_change_permission(request, current) or not form.is_valid():
            return None
        return form.instance

    def _confirm(self, request, template: str, **context) -> TemplateResponse:
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request), "opts": self.opts,
            "original": self.model.current(), "post": request.POST.lists(), **context})


@admin.register(PasswordPolicy)
class PasswordPolicyAdmin(SingletonAdmin):
    # Lazy: the titles are translated when a page is drawn, in that request's language.
    fieldsets = [
        (None, {"fields": ["banned_terms", "require_three_classes", "min_strength",
                           "history_count"]}),
        (gettext_lazy("Expiry"), {"fields": ["expiry_days", "expiry_reminder_days",
                                             "temporary_password_days"]}),
    ]

    def confirmation_page(self, request, proposed):
        """Before a new expiry rule is saved: who it affects, and that nobody is mailed now."""
        current = PasswordPolicy.current()
        if not proposed.expiry_days or all(
                getattr(proposed, f) == getattr(current, f) for f in EXPIRY_FIELDS):
            return None
        return self._confirm(request, "admin/accounts/passwordpolicy/confirm_expiry.html",
                             title=_("Set password expiry?"), proposed=proposed,
                             preview=preview_expiry(proposed),
                             per_hour=settings.SSPR_EXPIRY_REMINDERS_PER_HOUR)


@admin.register(ResetPolicy)
class ResetPolicyAdmin(SingletonAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["enabled_for", "enabled_group", "methods_required"]}),
        (gettext_lazy("Methods"), {"fields": [
            "allow_email", "allow_mobile_sms", "allow_mobile_call", "allow_office_call",
            "allow_authenticator", "allow_security_questions"]}),
        (gettext_lazy("Security questions"), {"fields": [
            "questions_to_register", "questions_to_answer", "questions_may_be_only_gate"]}),
        (gettext_lazy("Registration"), {"fields": ["require_registration", "reconfirm_days"]}),
        (gettext_lazy("Notifications and help"), {"fields": [
            "notify_user_on_reset", "notify_admins_on_admin_reset", "helpdesk_email",
            "helpdesk_url", "show_account_state"]}),
    ]

    def confirmation_page(self, request, proposed):
        """Show how many users could no longer reset before a tighter policy is saved."""
        current = ResetPolicy.current()
        if not tightens(current=current, proposed=proposed):
            return None
        return self._confirm(
            request, "admin/accounts/resetpolicy/confirm_tightening.html",
            title=_("Tighten the self-service reset policy?"),
            impact=impact_of(current=current, proposed=proposed),
            registration_known=registration_data().registered_users(current) is not None)
