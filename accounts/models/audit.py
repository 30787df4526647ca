from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One security event; rows are only ever added (the database refuses updates)."""

    class Type(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        SIGNED_OUT = "signed_out", _("Signed out")
        PASSWORD_CONFIRMED = "password_confirmed", _("Password confirmed")
        PASSWORD_CONFIRMATION_FAILED = "password_confirmation_failed", _(
            "Password confirmation failed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset (self-service)")
        PASSWORD_RESET_BY_ADMIN = "password_reset_by_admin", _("Password reset by administrator")
        PASSWORD_CHANGE_FORCED = "password_change_forced", _("Password change forced")
        ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
        METHOD_REGISTERED = "method_registered", _("Method registered")
        METHOD_REMOVED = "method_removed", _("Method removed")
        METHOD_RECONFIRMED = "method_reconfirmed", _("Methods reconfirmed")
        CODE_SENT = "code_sent", _("Code sent")
        CODE_REJECTED = "code_rejected", _("Code rejected")
        RESET_STARTED = "reset_started", _("Reset started")
        GATE_PASSED = "gate_passed", _("Gate passed")
        GATE_FAILED = "gate_failed", _("Gate failed")
        ATTEMPT_BLOCKED = "attempt_blocked", _("Attempt blocked")
        POLICY_CHANGED = "policy_changed", _("Policy changed")
        HELPDESK_CONTACTED = "helpdesk_contacted", _("Helpdesk contacted")
        MESSAGE_FAILED = "message_failed", _("Message delivery failed")
        ACCOUNT_CHANGED_BY_ADMIN = "account_changed_by_admin", _("Account changed by administrator")
        ADMIN_ACTION_REFUSED = "admin_action_refused", _("Administrator action refused")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    type = models.CharField(_("event"), max_length=40, choices=Type.choices, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    # Who did it and to whom, kept apart: an administrator resetting a user is actor != subject.
    # PROTECT: accounts are deactivated, never deleted, so the trail outlives them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("subject"),
    )
    identifier = models.CharField(_("user ID as typed"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    support_code = models.CharField(_("support code"), max_length=9, db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.support_code})"
