from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts.forms import NewPasswordFieldsMixin

from .captcha import BoundCaptchaField
from .models import ResetAttempt


class IdentifyForm(forms.Form):
    username = forms.CharField(
        label=_("User ID"), max_length=254,
        help_text=_("Your username or work email address, for example name@example.org."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True}),
    )
    captcha = BoundCaptchaField(
        label=_("Type the characters you see in the picture"),
        help_text=_("Can't read them? Listen to them instead, or load a new picture."),
        error_messages={"invalid": _("Those characters don't match the picture. Try this "
                                     "new one.")},
    )
    mode = forms.ChoiceField(
        label=_("Why are you having trouble signing in?"),
        choices=ResetAttempt.Mode.choices, initial=ResetAttempt.Mode.RESET,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["captcha"].bind(request)
        # A label on the text box itself, not a legend over the picture, for screen readers.
        self.fields["captcha"].widget.use_fieldset = False

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise forms.ValidationError(_("Enter your user ID without special characters."))
        return value


class MethodForm(forms.Form):
    method = forms.ChoiceField(label=_("Choose how to verify it's you"),
                               widget=forms.RadioSelect)

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [
            (m.key, f"{m.label} {m.masked}".strip()) for m in methods]


class DestinationForm(forms.Form):
    destination = forms.CharField(max_length=254)

    def __init__(self, *args, label, input_type, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["destination"]
        field.label = label
        field.widget.input_type = input_type
        field.widget.attrs.update({"autocomplete": "email" if input_type == "email" else "tel"})


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"), max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "autofocus": True}),
    )


class AnswersForm(forms.Form):
    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.CharField(label=question.label, max_length=40,
                                                             strip=True)

    def answers(self) -> dict[int, str]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class NewPasswordForm(NewPasswordFieldsMixin, SetPasswordForm):
    """new_password1 and new_password2, checked against the password policy for the user."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs["autofocus"] = True
