import math
from datetime import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .backends import LOCKED_UNTIL_ATTRIBUTE
from .directory import directory
from .reauth import confirm_password


def locked_error(locked_until: datetime) -> forms.ValidationError:
    """The right password for a locked account: say so, and for about how long.

    Only the account's owner reaches this: the password was right, so saying that the account
    is locked tells an enumerator nothing, and wrong tries keep counting while it is locked
    (accounts.lockout), so it is no way to guess faster either.
    """
    minutes = max(1, math.ceil((locked_until - timezone.now()).total_seconds() / 60))
    return forms.ValidationError(
        ngettext("Your password is right, but your account is locked after too many wrong "
                 "passwords. Try again in about %(minutes)d minute, or unlock it now.",
                 "Your password is right, but your account is locked after too many wrong "
                 "passwords. Try again in about %(minutes)d minutes, or unlock it now.",
                 minutes),
        code="locked", params={"minutes": minutes},
    )


class SignInForm(AuthenticationForm):
    """Username or email and password, with one error for every way of failing."""

    username = forms.CharField(
        label=_("User ID or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                      "autocapitalize": "none", "spellcheck": "false"}),
    )
    error_messages = {
        # Unknown ID, wrong password, locked and disabled accounts all read the same (SPEC 8.1).
        "invalid_login": _("That user ID and password don't match. Check them and try again, "
                           "or reset your password."),
        "inactive": _("That user ID and password don't match. Check them and try again, "
                      "or reset your password."),
    }

    @property
    def locked_until(self) -> datetime | None:
        """When the lockout ends, if the right password was given for a locked account."""
        return getattr(self.request, LOCKED_UNTIL_ATTRIBUTE, None)

    def get_invalid_login_error(self) -> forms.ValidationError:
        if self.locked_until is None:
            return super().get_invalid_login_error()
        return locked_error(self.locked_until)


class ReauthenticateForm(forms.Form):
    """The signed-in user's password, counted by the sign-in lockout (accounts.reauth)."""

    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autofocus": True, "autocomplete": "current-password"}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs):
        self.request = request
        self.locked_until = None
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        confirmed, self.locked_until = confirm_password(request=self.request, password=password)
        if self.locked_until is not None:
            raise locked_error(self.locked_until)
        if not confirmed:
            raise forms.ValidationError(_("That password is not right."), code="invalid")
        return password


class NewPasswordFieldsMixin:
    """new_password1 and new_password2 as people expect them, under the password policy.

    Django puts the policy's verdict on the confirmation; it belongs to the password itself,
    where the checklist is. A refused password stays typed, so it can be corrected rather
    than retyped twice (the pages are never cached).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ["new_password1", "new_password2"]:
            self.fields[name].widget.render_value = True
            self.fields[name].widget.attrs["data-password-policy"] = name
        self.fields["new_password1"].help_text = ""
        self.fields["new_password1"].widget.attrs["aria-describedby"] = "password-rules"

    def validate_password_for_user(self, user, *args, **kwargs):
        super().validate_password_for_user(user, "new_password1")


class PasswordChangeForm(NewPasswordFieldsMixin, DjangoPasswordChangeForm):
    """Django's form (old_password, new_password1, new_password2) under our policy."""

    error_messages = {
        **DjangoPasswordChangeForm.error_messages,
        "password_incorrect": _("Your current password is not right."),
        "password_mismatch": _("The two new passwords are not the same."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")

    def clean_old_password(self) -> str:
        # A directory checks the old password itself when it takes the change (WrongPassword).
        if directory().keeps_password_hashes:
            return super().clean_old_password()
        return self.cleaned_data["old_password"]


class SetPasswordForm(NewPasswordFieldsMixin, DjangoSetPasswordForm):
    """Django's form (new_password1, new_password2) under our policy, for the one-time link."""

    error_messages = {"password_mismatch": _("The two new passwords are not the same.")}
