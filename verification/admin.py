"""What administrators may see of verification: state, never a key, code hash or answer.

Nothing here is edited or deleted through generic admin pages. Removing a person's method is
an explicit action that goes through `services.remove_method_by_staff`: it asks the
authority rule, audits the staff member as actor, and tells the person.
"""

from collections import Counter

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin.readonly import ReadOnlyAdmin

from . import services
from .models import (
    Authenticator,
    ContactMethod,
    MethodsConfirmation,
    PhoneBudgetAlert,
    SecurityAnswer,
    SecurityQuestion,
    VerificationCode,
)


class MethodAdmin(ReadOnlyAdmin):
    """Registered methods, listed for support, with the audited removal as the only write."""

    actions = ["remove_methods"]
    list_select_related = ["user"]

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("accounts.change_user")

    def method_of(self, row) -> str:
        """The method (services.PHONE, EMAIL, AUTHENTICATOR, QUESTIONS) that `row` belongs to."""
        raise NotImplementedError

    @admin.action(description=_("Remove the selected methods (the person is told)"),
                  permissions=["remove"])
    def remove_methods(self, request, queryset):
        pairs = {(row.user, self.method_of(row)) for row in queryset.select_related("user")}
        refused, removed = Counter(), 0
        for user, method in pairs:
            reason = services.remove_method_by_staff(actor=request.user, user=user,
                                                     method=method, request=request)
            if reason is None:
                removed += 1
            else:
                refused[reason] += 1
        self.message_user(request, ngettext("%(n)d method removed.", "%(n)d methods removed.",
                                            removed) % {"n": removed}, messages.SUCCESS)
        for reason, n in refused.items():
            self.message_user(request, ngettext(
                "%(n)d method not removed: %(reason)s.", "%(n)d methods not removed: %(reason)s.",
                n) % {"n": n, "reason": reason.label}, messages.WARNING)


@admin.register(SecurityQuestion)
class SecurityQuestionAdmin(admin.ModelAdmin):
    """The catalogue: administrators add custom questions and retire any question."""

    list_display = ["label", "is_custom", "is_active"]
    list_filter = ["is_custom", "is_active"]
    search_fields = ["text"]

    def get_readonly_fields(self, request, obj=None):
        # A predefined question's text is its translation key; editing it would break both.
        return ["text"] if obj is not None and not obj.is_custom else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or (obj.is_custom and not obj.answers.exists())


@admin.register(ContactMethod)
class ContactMethodAdmin(MethodAdmin):
    list_display = ["user", "kind", "destination", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "destination"]

    def method_of(self, row) -> str:
        return row.kind


@admin.register(SecurityAnswer)
class SecurityAnswerAdmin(MethodAdmin):
    """Which questions a person chose; the answers exist only as hashes and are not shown."""

    list_display = ["user", "question", "created_at"]
    search_fields = ["user__username"]
    fields = ["user", "question", "created_at"]
    list_select_related = ["user", "question"]

    def method_of(self, row) -> str:
        # Answers are one method: removing one removes the person's set.
        return services.QUESTIONS


@admin.register(Authenticator)
class AuthenticatorAdmin(MethodAdmin):
    """Show who has an authenticator app, never its key.

    Neither the key nor a QR code is shown, not even to superusers, and staff cannot add an
    app for someone else: whoever knows the key passes that person's authenticator gate.
    """

    list_display = ["user", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "confirmed"]

    def method_of(self, row) -> str:
        return services.AUTHENTICATOR


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "purpose", "channel", "destination", "status",
                    "failed_tries", "used"]
    list_filter = ["status", "channel", "purpose"]
    search_fields = ["user__username", "destination"]
    date_hierarchy = "created_at"
    exclude = ["salt"]
    list_select_related = ["user"]

    @admin.display(boolean=True, description=_("used"))
    def used(self, obj) -> bool:
        return obj.used_at is not None


@admin.register(MethodsConfirmation)
class MethodsConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["user", "confirmed_at"]
    search_fields = ["user__username"]


@admin.register(PhoneBudgetAlert)
class PhoneBudgetAlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "messages_last_hour"]
