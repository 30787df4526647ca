from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only the portal writes: administrators read them, nobody edits or deletes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
