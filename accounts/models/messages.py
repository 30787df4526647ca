"""One email to one recipient: notices, reminders, links, passwords, requests and alerts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .delivery import Delivery


class Message(Delivery):
    """An email to one address, rendered from `template` when it is sent, and its delivery.

    Written in the same transaction as the change it reports, so that a broker outage delays
    it (the sweep queues it) instead of losing it (SPEC 9). One row per recipient: a refused
    alternate address never makes the work address receive the message again. What must stay
    secret until it is sent (a set-password link, generated passwords) is in `sealed`,
    encrypted, and erased once sent.
    """

    template = models.CharField(_("message"), max_length=60)
    to = models.EmailField(_("to"))
    language = models.CharField(_("language"), max_length=8, default="en")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+", verbose_name=_("about"))
    event = models.ForeignKey("accounts.AuditEvent", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    context = models.JSONField(default=dict, blank=True)
    sealed = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_try_at"]),
                   models.Index(fields=["template", "created_at"])]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.template} → {self.to}"

    def sent_changes(self) -> dict:
        return {"sealed": ""}
