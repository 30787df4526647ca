"""Lockouts: who is locked out of sign-in and until when, with an unlock action.

The portal's own page in place of django-axes' generic ones: it shows keys and times only,
and unlocking goes through the same audited, authority-checked service as on the user list.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ..lockout import accounts_of, locked_now
from ..models import SignInLockout, User
from .readonly import ReadOnlyAdmin
from .users import unlock_and_report


@admin.register(SignInLockout)
class SignInLockoutAdmin(ReadOnlyAdmin):
    list_display = ["key", "has_account", "locked_until", "failures", "streak"]
    search_fields = ["key"]
    ordering = ["locked_until"]
    actions = ["unlock"]

    def get_queryset(self, request):
        accounts = User.objects.alias(key=Lower("username")).filter(key=OuterRef("key"))
        return locked_now().annotate(account_exists=Exists(accounts))

    @admin.display(description=_("has an account"), boolean=True, ordering="account_exists")
    def has_account(self, lockout: SignInLockout) -> bool:
        # Unknown IDs are locked like real ones (SPEC 8.1); staff may tell them apart.
        return lockout.account_exists

    def has_unlock_permission(self, request) -> bool:
        return request.user.has_perm("accounts.change_user")

    @admin.action(description=_("Unlock selected accounts"), permissions=["unlock"])
    def unlock(self, request, queryset):
        unlock_and_report(self, request, accounts_of(queryset))
