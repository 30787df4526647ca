"""The methods a person registers to prove who they are, and when they last confirmed them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

MAX_CUSTOM_QUESTIONS = 20


class ContactMethod(models.Model):
    """A verified authentication phone or email; a row exists only once its code was entered."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Authentication phone")
        EMAIL = "email", _("Authentication email")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="contact_methods", verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # E.164 for phones, lower-cased for email, so that the reset wizard can match what is typed.
    destination = models.CharField(_("number or address"), max_length=254)
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_contact_method_per_kind"),
        ]
        verbose_name = _("authentication phone or email")
        verbose_name_plural = _("authentication phones and emails")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.user})"


class Authenticator(TOTPDevice):
    """A person's authenticator app as staff may see it: who has one, never its key."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")


class SecurityQuestion(models.Model):
    """A question of the approved catalogue: predefined (translated) or added by an administrator.

    Predefined questions keep their English text, which is the gettext message id, so they are
    shown in each person's language; custom questions are shown as typed.
    """

    text = models.CharField(_("question"), max_length=200, unique=True,
                            validators=[MinLengthValidator(3)])
    is_custom = models.BooleanField(_("custom"), default=True, editable=False)
    is_active = models.BooleanField(
        _("offered"), default=True,
        help_text=_("Turn off to stop offering it; answers already registered still work."),
    )

    class Meta:
        ordering = ["is_custom", "id"]
        verbose_name = _("security question")
        verbose_name_plural = _("security questions")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.text if self.is_custom else gettext(self.text)

    def clean(self) -> None:
        others = SecurityQuestion.objects.filter(is_custom=True).exclude(pk=self.pk)
        if self.is_custom and others.count() >= MAX_CUSTOM_QUESTIONS:
            raise ValidationError(
                _("There can be at most %(count)d custom questions.")
                % {"count": MAX_CUSTOM_QUESTIONS}
            )


class SecurityAnswer(models.Model):
    """One registered answer, kept only as an Argon2id hash of its normalised form."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="security_answers", verbose_name=_("user"))
    # PROTECT: retiring a question must not silently unregister everyone who chose it.
    question = models.ForeignKey(SecurityQuestion, on_delete=models.PROTECT,
                                 related_name="answers", verbose_name=_("question"))
    answer_hash = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="one_answer_per_question"),
        ]
        verbose_name = _("security answer")
        verbose_name_plural = _("security answers")

    def __str__(self) -> str:
        return f"{self.user}: {self.question}"


class MethodsConfirmation(models.Model):
    """When a person last looked at their methods and said they are still right."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="methods_confirmation", verbose_name=_("user"))
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)

    class Meta:
        verbose_name = _("methods confirmation")
        verbose_name_plural = _("methods confirmations")

    def __str__(self) -> str:
        return f"{self.user}: {self.confirmed_at:%Y-%m-%d}"
