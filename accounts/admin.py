from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "display_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "email", "display_name", "first_name", "last_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Self-service password reset"),
            {
                "fields": [
                    "display_name",
                    "language",
                    "office_phone",
                    "password_managed_elsewhere",
                    "must_change_password",
                    "password_never_expires",
                    "password_changed_at",
                    "temporary_password_expires_at",
                ]
            },
        ),
    )
    readonly_fields = ["password_changed_at", "temporary_password_expires_at", "last_login"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only: nobody adds, edits or deletes an event by hand."""

    list_display = ["created_at", "type", "outcome", "actor", "subject", "identifier", "ip",
                    "support_code"]
    list_filter = ["type", "outcome", "created_at"]
    search_fields = ["support_code", "identifier", "subject__username", "actor__username"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "subject"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
