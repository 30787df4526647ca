"""One verification code and the message that carries it, and the phone budget's alerts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VerificationCode(models.Model):
    """A code bound to one person, purpose, channel and destination, and its delivery.

    The row is written by the web request with no code at all; the worker generates the code,
    stores its keyed hash here and sends it (SPEC 7: a code never enters the broker or a log).
    One row is one message: a row that was sent is never sent again.
    """

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registering a method")
        RESET = "reset", _("Password reset")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        VOICE = "voice", _("Voice call")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent: expired or replaced")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="verification_codes", verbose_name=_("user"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    destination = models.CharField(_("number or address"), max_length=254)
    # The reset wizard's attempt id, opaque here: a code of one attempt never serves another.
    reset_attempt = models.CharField(_("reset attempt"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    client_ip = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires"))
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    failed_tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("replaced by a newer code"), null=True, blank=True)
    status = models.CharField(_("delivery"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    send_tries = models.PositiveSmallIntegerField(_("delivery tries"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failure = models.CharField(_("delivery failure"), max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["destination", "created_at"]),
            models.Index(fields=["client_ip", "created_at"]),
            models.Index(fields=["user", "purpose", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["channel", "created_at"]),
        ]
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_purpose_display()} ({self.user})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_phone(self) -> bool:
        return self.channel in PHONE_CHANNELS

    def accepts_tries(self) -> bool:
        """Whether this code may still be checked: sent, unused, current, fresh, tries left."""
        return (
            self.status == self.Status.SENT
            and bool(self.code_hash)
            and self.used_at is None
            and self.replaced_at is None
            and self.failed_tries < settings.SSPR_CODE_MAX_TRIES
            and not self.is_expired
        )


PHONE_CHANNELS = (VerificationCode.Channel.SMS, VerificationCode.Channel.VOICE)


class PhoneBudgetAlert(models.Model):
    """A time the global hourly budget for texts and calls ran out and staff were alerted."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    messages_last_hour = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("phone budget alert")
        verbose_name_plural = _("phone budget alerts")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.messages_last_hour})"
