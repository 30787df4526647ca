"""Validation only: what a person typed, checked and cleaned; the services do the rest."""

from django import forms
from django.conf import settings
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .destinations import deliverable_email, normalise_email
from .limits import phone_type_allowed
from .models import SecurityQuestion, VerificationCode
from .questions import ANSWER_MAX_LENGTH, ANSWER_MIN_LENGTH, normalise_answer

Channel = VerificationCode.Channel

NUMBER_TYPE_MESSAGES = {
    Channel.SMS: _("This number can't receive texts. Use your own mobile phone number: "
                   "premium-rate, toll-free, shared-cost and other service numbers can't be "
                   "used."),
    Channel.VOICE: _("This number can't be called with a code. Use your own mobile or landline "
                     "number: premium-rate, toll-free, shared-cost and other service numbers "
                     "can't be used."),
}


class PhoneForm(forms.Form):
    number = PhoneNumberField(
        label=_("Phone number"), region=settings.PHONENUMBER_DEFAULT_REGION,
        help_text=_("A mobile phone you keep with you. For a number from another country, start "
                    "with + and its country code."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel",
                                      "type": "tel"}),
        error_messages={"invalid": _("Enter a valid phone number, for example +46 70 123 45 67.")},
    )
    channel = forms.ChoiceField(label=_("How should we send the code?"),
                                widget=forms.RadioSelect)

    def __init__(self, *args, channels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {Channel.SMS: _("Text me a code"), Channel.VOICE: _("Call me with a code")}
        self.fields["channel"].choices = [(c, labels[c]) for c in channels]
        if channels:
            self.fields["channel"].initial = channels[0]

    def clean_number(self) -> str:
        return self.cleaned_data["number"].as_e164

    def clean(self):
        cleaned = super().clean()
        number, channel = cleaned.get("number"), cleaned.get("channel")
        if number and channel and not phone_type_allowed(number, channel):
            self.add_error("number", forms.ValidationError(NUMBER_TYPE_MESSAGES[channel],
                                                           code="number_type"))
        return cleaned


class AddressField(forms.CharField):
    """An email address as the wizard compares it (destinations.deliverable_email): NFC,
    lower-cased, the domain in Unicode, and a Unicode local part allowed (RFC 6531)."""

    default_error_messages = {"invalid": EmailValidator.message}

    def to_python(self, value) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        address = deliverable_email(value)
        if not address:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return address


class EmailForm(forms.Form):
    address = AddressField(
        label=_("Email address"), max_length=254,
        help_text=_("An address you can read without your work password, such as a private "
                    "one."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_address(self) -> str:
        address = self.cleaned_data["address"]
        # The work mailbox sits behind the very password being reset: useless as a way back.
        if self.user.email and address == normalise_email(self.user.email):
            raise forms.ValidationError(
                _("Use another address than your work email: you may not be able to read that "
                  "one when you need to reset your password."), code="own_address")
        return address


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True, "autocapitalize": "none"}),
    )


class SecurityQuestionsForm(forms.Form):
    """N different questions with N different answers, each 3–40 characters once normalised."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = count
        questions = SecurityQuestion.objects.filter(is_active=True)
        for i in range(1, count + 1):
            self.fields[f"question_{i}"] = forms.ModelChoiceField(
                queryset=questions, label=_("Question"),
                empty_label=_("Choose a question"),
            )
            self.fields[f"answer_{i}"] = forms.CharField(
                label=_("Your answer"), max_length=200, strip=True,
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )

    def pairs(self) -> list[tuple[str, str]]:
        return [(f"question_{i}", f"answer_{i}") for i in range(1, self.count + 1)]

    def clean(self):
        cleaned = super().clean()
        seen_questions, seen_answers = set(), set()
        for question_field, answer_field in self.pairs():
            question, answer = cleaned.get(question_field), cleaned.get(answer_field)
            if question is not None:
                if question.pk in seen_questions:
                    self.add_error(question_field, _("Choose a different question for each."))
                seen_questions.add(question.pk)
            if answer is None:
                continue
            normalised = normalise_answer(answer)
            if not ANSWER_MIN_LENGTH <= len(normalised) <= ANSWER_MAX_LENGTH:
                self.add_error(answer_field, _("Answers are 3 to 40 characters long."))
            elif normalised in seen_answers:
                self.add_error(answer_field, _("Give a different answer to each question."))
            seen_answers.add(normalised)
        return cleaned

    def answers(self) -> list[tuple[SecurityQuestion, str]]:
        return [(self.cleaned_data[q], self.cleaned_data[a]) for q, a in self.pairs()]
