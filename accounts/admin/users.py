"""Active users: search, filters, and the reset, unlock, force-change and expiry actions."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..authority import STAFF_PERMISSION, record_refusal, refusal
from ..expiry import expired_users
from ..lockout import accounts_of, locked_now
from ..models import AdminResetJob, User
from ..policies import registration_data
from ..resets import OwnAccountError, ResetOptions, admin_reset_passwords
from ..sealing import new_key_pair
from ..staff import (
    ChangeRefused,
    Outcome,
    force_password_change,
    save_account,
    set_password_never_expires,
    unlock_accounts,
)
from .forms import AdminResetForm, UserChangeForm, UserCreationForm
from .jobs import reveal_cookie_name, reveal_cookie_path


class LockedFilter(admin.SimpleListFilter):
    title = gettext_lazy("locked out")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        return queryset.filter(pk__in=accounts_of(locked_now()).values("pk"))


class RegisteredFilter(admin.SimpleListFilter):
    """Shown only when the registration hook knows who has registered (accounts.policies)."""

    title = gettext_lazy("registered for reset")
    parameter_name = "registered"

    def lookups(self, request, model_admin):
        if self._registered() is None:
            return []
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        registered = self._registered()
        if registered is None or self.value() not in ("yes", "no"):
            return queryset
        ids = registered.values("pk")
        return queryset.filter(pk__in=ids) if self.value() == "yes" else queryset.exclude(
            pk__in=ids)

    @staticmethod
    def _registered():
        from ..models import ResetPolicy

        return registration_data().registered_users(ResetPolicy.current())


class ExpiredFilter(admin.SimpleListFilter):
    title = gettext_lazy("password expired")
    parameter_name = "expired"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=expired_users().values("pk"))
        return queryset


class NeverExpiresFilter(admin.SimpleListFilter):
    # Not the field's own filter: its parameter would start with "password", and Django's
    # UserAdmin refuses every lookup that does (a guard against filtering on hashes), so the
    # link answered 400.
    title = gettext_lazy("password never expires")
    parameter_name = "never_expires"

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(password_never_expires=self.value() == "1")
        return queryset


def report_outcome(model_admin, request, outcome: Outcome, message: str) -> None:
    """Say what a staff action changed, and how many accounts it refused and why."""
    model_admin.message_user(request, message, messages.SUCCESS)
    for reason, n in outcome.refused.items():
        model_admin.message_user(request, ngettext(
            "%(n)d account skipped: %(reason)s.", "%(n)d accounts skipped: %(reason)s.", n)
            % {"n": n, "reason": reason.label}, messages.WARNING)


def unlock_and_report(model_admin, request, users) -> None:
    """Unlock `users` through the audited, authority-checked service, and say what happened."""
    outcome = unlock_accounts(actor=request.user, users=users, request=request)
    n = outcome.changed
    report_outcome(model_admin, request, outcome, ngettext(
        "%(n)d account unlocked.", "%(n)d accounts unlocked.", n) % {"n": n})


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # The columns an administrator looks for, narrow enough for 1280 px beside the filters;
    # the flags are filters, and on each user's page.
    list_display = ["username", "display_name", "email", "office_phone", "is_active",
                    "last_login"]
    list_filter = [LockedFilter, RegisteredFilter, ExpiredFilter, "must_change_password",
                   NeverExpiresFilter, "is_staff", "is_active"]
    search_fields = ["username", "email", "display_name", "first_name", "last_name"]
    actions = ["reset_passwords", "unlock", "force_change", "never_expires", "may_expire"]
    change_list_template = "admin/accounts/user/change_list.html"
    add_form = UserCreationForm
    form = UserChangeForm
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            gettext_lazy("Self-service password reset"),
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

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("reset-everyone/", wrap(self.reset_everyone_view),
                 name="accounts_user_reset_everyone"),
            path("<int:user_id>/reset-password/", wrap(self.reset_one_view),
                 name="accounts_user_reset_password"),
            *super().get_urls(),
        ]

    def has_reset_password_permission(self, request) -> bool:
        return request.user.has_perm("accounts.reset_password")

    def has_change_permission(self, request, obj=None) -> bool:
        # An account the actor may not manage is shown read-only (accounts.authority).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or refusal(request.user, obj) is None)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Accounts are deactivated, never deleted: the audit log keeps pointing at them.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj)]
        # Handing out privilege is itself privileged: nobody grants more than they hold.
        if not request.user.is_superuser:
            fields += ["is_superuser", "groups", "user_permissions"]
            if not request.user.has_perm(STAFF_PERMISSION):
                fields += ["is_staff"]
        return fields

    def save_model(self, request, obj, form, change):
        try:
            save_account(actor=request.user, user=obj, changed=form.changed_data,
                         request=request)
        except ChangeRefused:
            raise PermissionDenied from None

    def user_change_password(self, request, id, form_url=""):
        # Django's own "set password" form would bypass history, flags, audit and notice.
        return redirect("admin:accounts_user_reset_password", user_id=id)

    # --- Reset -----------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Reset password of selected users"),
                  permissions=["reset_password"])
    def reset_passwords(self, request, queryset):
        hidden = {"action": "reset_passwords",
                  "select_across": request.POST.get("select_across", "0"),
                  helpers.ACTION_CHECKBOX_NAME: request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)}
        return self._reset_page(request, queryset, hidden=hidden)

    def reset_one_view(self, request, user_id: int):
        user = get_object_or_404(User, pk=user_id)
        reason = refusal(request.user, user)
        if reason is not None and self.has_reset_password_permission(request):
            record_refusal(actor=request.user, target=user, action="reset_password",
                           reason=reason, request=request)
            self.message_user(request, _("This password can't be reset by you: %(reason)s.")
                              % {"reason": reason.label}, messages.ERROR)
            return redirect("admin:accounts_user_change", user.pk)
        return self._reset_page(request, User.objects.filter(pk=user.pk), hidden={}, user=user)

    def reset_everyone_view(self, request):
        everyone = User.objects.exclude(pk=request.user.pk)
        return self._reset_page(request, everyone, hidden={}, everyone=True)

    def _reset_page(self, request, queryset: QuerySet, *, hidden: dict, user=None,
                    everyone=False):
        if not self.has_reset_password_permission(request):
            raise PermissionDenied
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You can't reset your own password here. Deselect "
                                         "your account, or change your password from My "
                                         "account."), messages.ERROR)
            return None if hidden else redirect("admin:accounts_user_changelist")
        form = AdminResetForm(request.POST if "confirm" in request.POST else None, user=user)
        if form.is_valid():
            return self._start_reset(request, queryset, form.cleaned_data)
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "form": form,
            "title": _("Reset passwords"), "count": count, "hidden": hidden,
            "sample": queryset.order_by("username")[:10], "everyone": everyone,
            "single": user, "media": self.media,
        }
        return TemplateResponse(request, "admin/accounts/user/reset_password.html", context)

    def _start_reset(self, request, queryset, data):
        private_key, public_key = ("", "")
        if data["delivery"] == AdminResetJob.Delivery.SHOW and not data["password"]:
            private_key, public_key = new_key_pair()
        options = ResetOptions(delivery=data["delivery"], typed_password=data["password"],
                               require_change=data["require_change"],
                               email_to=data.get("email_to") or "", public_key=public_key)
        try:
            job = admin_reset_passwords(actor=request.user, users=queryset, options=options,
                                        request=request)
        except OwnAccountError:
            raise PermissionDenied from None
        url = reverse("admin:accounts_adminresetjob_change", args=[job.pk])
        response = redirect(url)
        if private_key:
            # The only copy of the key that opens the generated passwords: the browser's.
            response.set_cookie(reveal_cookie_name(job), private_key, path=reveal_cookie_path(job),
                                max_age=settings.SSPR_REVEAL_KEY_SECONDS, httponly=True,
                                secure=settings.SESSION_COOKIE_SECURE, samesite="Strict")
        return response

    # --- Unlock, force change, expiry ----------------------------------------------------

    def _report(self, request, outcome: Outcome, message: str) -> None:
        report_outcome(self, request, outcome, message)

    @admin.action(description=gettext_lazy("Unlock selected accounts"), permissions=["change"])
    def unlock(self, request, queryset):
        unlock_and_report(self, request, queryset)

    @admin.action(description=gettext_lazy("Force a password change at next sign-in"),
                  permissions=["change"])
    def force_change(self, request, queryset):
        outcome = force_password_change(actor=request.user, users=queryset, request=request)
        n = outcome.changed
        self._report(request, outcome, ngettext(
            "%(n)d user must change their password at the next sign-in.",
            "%(n)d users must change their password at the next sign-in.", n) % {"n": n})

    @admin.action(description=gettext_lazy("Password never expires"), permissions=["change"])
    def never_expires(self, request, queryset):
        outcome = set_password_never_expires(actor=request.user, users=queryset,
                                             never_expires=True, request=request)
        n = outcome.changed
        self._report(request, outcome, ngettext(
            "%(n)d password now never expires.", "%(n)d passwords now never expire.", n)
            % {"n": n})

    @admin.action(description=gettext_lazy("Password expires by the policy"),
                  permissions=["change"])
    def may_expire(self, request, queryset):
        outcome = set_password_never_expires(actor=request.user, users=queryset,
                                             never_expires=False, request=request)
        n = outcome.changed
        self._report(request, outcome, ngettext(
            "%(n)d password now follows the expiration policy.",
            "%(n)d passwords now follow the expiration policy.", n) % {"n": n})
