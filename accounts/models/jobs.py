"""An administrator's password reset of one or many users, run by a worker in chunks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdminResetJob(models.Model):
    """What an administrator asked for, and how far the worker has got.

    It never holds a password in clear: a typed password is kept sealed for the worker until
    the job ends, and generated passwords to be shown are kept encrypted to `public_key`,
    whose private half exists only in the administrator's browser (see accounts.resets).
    """

    class Delivery(models.TextChoices):
        LINK = "link", _("A one-time link to set a password, sent to the user's email")
        SHOW = "show", _("Show the temporary password to me once")
        EMAIL = "email", _("Email the temporary password to an address I type")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("administrator"))
    delivery = models.CharField(_("delivery"), max_length=5, choices=Delivery.choices)
    email_to = models.EmailField(_("email passwords to"), blank=True)
    require_change = models.BooleanField(_("must change at first sign-in"), default=True)
    # A password the administrator typed, sealed (accounts.messages) until the job ends;
    # empty means one is generated per user, or the job has ended.
    typed_password_sealed = models.TextField(blank=True)
    has_typed_password = models.BooleanField(default=False)
    public_key = models.TextField(blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.QUEUED)
    total = models.PositiveIntegerField(_("users"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    passwords_revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("password reset job")
        verbose_name_plural = _("password reset jobs")

    def __str__(self) -> str:
        return str(_("Password reset %(id)s") % {"id": self.pk})

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.processed * 100 // self.total

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class AdminResetJobItem(models.Model):
    """One user of a job, with what happened to them."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DONE = "done", _("Reset")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Reset, but the message was not sent")

    job = models.ForeignKey(AdminResetJob, on_delete=models.CASCADE, related_name="items")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    # A generated password encrypted to the job's public key, until it is revealed once.
    sealed_password = models.TextField(blank=True)
    # While set and in the future, a worker is resetting this user: nobody may raise the
    # user's privileges until the reset is recorded (accounts.resets, accounts.staff).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "state"])]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.user_id}"
