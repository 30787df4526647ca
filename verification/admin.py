"""What administrators may see of verification: state, never a code hash or an answer."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    ContactMethod,
    MethodsConfirmation,
    PhoneBudgetAlert,
    SecurityAnswer,
    SecurityQuestion,
    VerificationCode,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the portal's own flows: listed for support, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
class ContactMethodAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "destination", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "destination"]
    list_select_related = ["user"]


@admin.register(SecurityAnswer)
class SecurityAnswerAdmin(ReadOnlyAdmin):
    """Which questions a person chose; the answers exist only as hashes and are not shown."""

    list_display = ["user", "question", "created_at"]
    search_fields = ["user__username"]
    fields = ["user", "question", "created_at"]
    list_select_related = ["user", "question"]


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "purpose", "channel", "destination", "status",
                    "failed_tries", "used"]
    list_filter = ["status", "channel", "purpose"]
    search_fields = ["user__username", "destination"]
    date_hierarchy = "created_at"
    exclude = ["code_hash"]
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
