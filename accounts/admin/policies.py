"""The two policy records: one page each, validated, audited, and a warning before tightening."""

import copy

from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


@admin.register(PasswordPolicy)
class PasswordPolicyAdmin(SingletonAdmin):
    # Lazy: the titles are translated when a page is drawn, in that request's language.
    fieldsets = [
        (None, {"fields": ["banned_terms", "require_three_classes", "min_strength",
                           "history_count"]}),
        (gettext_lazy("Expiry"), {"fields": ["expiry_days", "expiry_reminder_days",
                                             "temporary_password_days"]}),
    ]


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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_confirmed" not in request.POST:
            warning = self._tightening_warning(request, object_id)
            if warning is not None:
                return warning
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _tightening_warning(self, request, object_id):
        """Show how many users could no longer reset before a tighter policy is saved."""
        current = ResetPolicy.current()
        form = self.get_form(request, current, change=True)(
            request.POST, instance=copy.copy(current))
        if not self.has_change_permission(request, current) or not form.is_valid():
            return None
        proposed = form.instance
        if not tightens(current=current, proposed=proposed):
            return None
        known = registration_data().registered_users(current) is not None
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "original": current,
            "title": _("Tighten the self-service reset policy?"),
            "impact": impact_of(current=current, proposed=proposed),
            "registration_known": known, "post": request.POST.lists(),
        }
        return TemplateResponse(request, "admin/accounts/resetpolicy/confirm_tightening.html",
                                context)
