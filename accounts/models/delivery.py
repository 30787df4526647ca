"""The delivery state of one message to one recipient, shared by every kind of message."""

from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Delivery(models.Model):
    """Where one message to one recipient stands: waiting, being sent, sent, failed or skipped.

    `next_try_at` is when the row may next be claimed: a retry's due time while pending, the
    end of the claim's lease while sending (a killed worker's row is taken over after it).
    `send_tries` counts the times the message was handed to the provider.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent: expired or replaced")

    status = models.CharField(_("delivery"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    send_tries = models.PositiveSmallIntegerField(_("delivery tries"), default=0)
    # Due at once when written, by the database's clock, whatever the writer's clock says.
    next_try_at = models.DateTimeField(_("next try"), null=True, blank=True, db_default=Now())
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    failure = models.CharField(_("delivery failure"), max_length=120, blank=True)

    class Meta:
        abstract = True

    def is_obsolete(self, now) -> bool:
        """Whether sending is no longer of use (a code that expired or was replaced)."""
        return False

    def sent_changes(self) -> dict:
        """Fields to change once the message was sent: secrets kept only until then."""
        return {}
