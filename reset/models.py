import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ResetAttempt(models.Model):
    """One run through the signed-out wizard; its id is all the session holds.

    Only `reset.services` moves an attempt from step to step. Every ID gets an attempt; one
    that is not an eligible account walks the steps with a `StandIn` (SPEC 2.2, 8.1).
    """

    class Mode(models.TextChoices):
        RESET = "reset", _("I forgot my password")
        UNLOCK = "unlock", _("I know my password but still can't sign in")

    class Step(models.TextChoices):
        VERIFY = "verify", _("Verify")
        NEW_PASSWORD = "new_password", _("New password")
        UNLOCK = "unlock", _("Unlocking")
        DONE = "done", _("Done")
        UNVERIFIED = "unverified", _("Could not verify")
        BLOCKED = "blocked", _("Blocked")
        NOT_FOUND = "not_found", _("Unknown user ID")
        NOT_ENABLED = "not_enabled", _("Not enabled")
        NOT_REGISTERED = "not_registered", _("Not registered")
        MANAGED_ELSEWHERE = "managed_elsewhere", _("Managed elsewhere")

    class Eligibility(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible")
        NOT_FOUND = "not_found", _("Unknown user ID")
        INACTIVE = "inactive", _("Account disabled")
        NOT_ENABLED = "not_enabled", _("Not enabled for self-service reset")
        NOT_REGISTERED = "not_registered", _("Not registered")
        MANAGED_ELSEWHERE = "managed_elsewhere", _("Password managed elsewhere")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             related_name="reset_attempts")
    # The normalised typed ID: what the limits count on, and the stand-in's seed, for every ID.
    key = models.CharField(max_length=254, db_index=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.RESET)
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.VERIFY)
    eligibility = models.CharField(max_length=20, choices=Eligibility.choices)
    gates_required = models.PositiveSmallIntegerField(default=1)
    gates_passed = models.JSONField(default=list)
    failed_gates = models.PositiveSmallIntegerField(default=0)
    # The gate being tried and, for security questions, the ids drawn for it.
    method = models.CharField(max_length=20, blank=True)
    question_ids = models.JSONField(default=list)
    code_requested = models.BooleanField(default=False)
    # Where the person asked the code of this gate to go (normalised), and when it was asked
    # for: "send a new code" goes there again, after the attempt's cooldown.
    destination = models.CharField(max_length=254, blank=True)
    code_asked_at = models.DateTimeField(null=True, blank=True)
    code_tries = models.PositiveSmallIntegerField(default=0)
    support_code = models.CharField(max_length=9)
    helpdesk_contacted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reset attempt")
        verbose_name_plural = _("reset attempts")
        indexes = [models.Index(fields=["key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.support_code} ({self.get_step_display()})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def gates_left(self) -> int:
        return max(self.gates_required - len(self.gates_passed), 0)


class ResetBlock(models.Model):
    """Self-service reset is refused for an account key until `until` (SPEC 6.1)."""

    key = models.CharField(max_length=254, unique=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} until {self.until:%Y-%m-%d %H:%M}"


class StandIn(User):
    """The account the gates check when the typed ID is not an eligible account.

    It has the primary key 0, which no row has: every query the gates make for a person is
    made for it too and finds nothing, so the work is the same and only the data differs
    (SPEC 8.1). Nothing it is asked can pass a gate, and it can never be saved.
    """

    class Meta:
        proxy = True
        app_label = "reset"

    @classmethod
    def for_key(cls, key: str) -> "StandIn":
        stand_in = cls(pk=0, username=key, is_active=False)
        stand_in.set_unusable_password()
        stand_in._state.adding = False  # queries may filter on it like on any saved user
        return stand_in

    def save(self, *args, **kwargs) -> None:
        raise TypeError("a stand-in is never saved")

    def delete(self, *args, **kwargs):
        raise TypeError("a stand-in is never deleted")
