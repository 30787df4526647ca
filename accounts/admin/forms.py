from django import forms
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import AdminResetJob
from ..staff import promotion_refusal


class AdminResetForm(forms.Form):
    """The choices of an administrator's reset; validation only."""

    delivery = forms.ChoiceField(
        label=_("How the user gets in"), choices=AdminResetJob.Delivery.choices,
        initial=AdminResetJob.Delivery.LINK, widget=forms.RadioSelect,
        help_text=_("The link is recommended: the user chooses the password and nobody else "
                    "ever sees it."))
    password_choice = forms.ChoiceField(
        label=_("Temporary password"), initial="generate", widget=forms.RadioSelect,
        choices=[("generate", _("Generate a strong password for each user")),
                 ("type", _("Let me type one"))])
    password = forms.CharField(
        label=_("Password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    require_change = forms.BooleanField(
        label=_("Require this user to change their password when they first sign in"),
        required=False, initial=True)
    email_to = forms.EmailField(label=_("Email address to send the passwords to"),
                                required=False)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        delivery, typed = data.get("delivery"), data.get("password_choice") == "type"
        if delivery == AdminResetJob.Delivery.LINK:
            data["password"] = ""
            return data
        if delivery == AdminResetJob.Delivery.EMAIL and not data.get("email_to"):
            self.add_error("email_to", _("Type the address the passwords go to."))
        if typed and delivery == AdminResetJob.Delivery.EMAIL:
            # Emailing it would mean keeping the typed password until the worker sends it.
            self.add_error("delivery", _("A password you typed is not emailed. Tell the user "
                                         "yourself, or let the portal generate one."))
        if typed and not data.get("password"):
            self.add_error("password", _("Type the password, or let the portal generate one."))
        elif typed:
            try:
                validate_password(data["password"], self.user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        if not typed:
            data["password"] = ""
        return data


class UserCreationForm(AdminUserCreationForm):
    """Django's "Add user" form; a password given here starts the expiry clock, as any does."""

    def set_password_and_save(self, user, commit=True, **kwargs):
        if self.cleaned_data["set_usable_password"]:
            user.password_changed_at = timezone.now()
        return super().set_password_and_save(user, commit=commit, **kwargs)



class UserChangeForm(DjangoUserChangeForm):
    """Django's user form, saying why a promotion must wait for a running reset job.

    The saving service asks the same under the row lock (accounts.staff.save_account); this
    only puts the answer on the page instead of a bare "forbidden".
    """

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            reason = promotion_refusal(
                self.instance, is_staff=data.get("is_staff", self.instance.is_staff),
                is_superuser=data.get("is_superuser", self.instance.is_superuser))
            if reason is not None:
                raise forms.ValidationError(reason.label, code=reason.value)
        return data
