"""One verification code and the message that carries it, and the phone budget's alerts."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Delivery


def new_salt() -> str:
    return secrets.token_hex(16)


class VerificationCode(Delivery):
    """A code bound to one person, purpose, channel and destination, and its delivery.

    The row holds no code: the worker derives it from SECRET_KEY and the row's random salt
    (verification.codes) each time it sends, so a retry repeats the same code and the code
    never enters the broker or a log (SPEC 7). One row is one message.
    """

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registering a method")
        RESET = "reset", _("Password reset")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        VOICE = "voice", _("Voice call")

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
    salt = models.CharField(max_length=32, default=new_salt, editable=False)
    failed_tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("replaced by a newer code"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["destination", "created_at"]),
            models.Index(fields=["client_ip", "created_at"]),
            models.Index(fields=["user", "purpose", "created_at"]),
            models.Index(fields=["status", "next_try_at"]),
            models.Index(fields=["channel", "created_at"]),
        ]
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_purpose_display()} ({self.user})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def is_obsolete(self, now) -> bool:
        # Nobody can use it any more: sending it would only spend money and confuse.
        return now >= self.expires_at or bool(self.replaced_at or self.used_at)

    @property
    def is_phone(self) -> bool:
        return self.channel in PHONE_CHANNELS

    def accepts_tries(self) -> bool:
        """Whether this code may still be checked: handed to the provider (it may have
        arrived even if the provider's answer was lost), unused, current, fresh, tries left."""
        return (
            self.send_tries > 0
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
