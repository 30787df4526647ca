"""The two policy records administrators edit: self-service reset, and passwords.

Each is a single row (pk 1), created with the defaults of SPEC section 6 on first use.
Within `policies_read_once()` (every web request, through `PoliciesReadOnceMiddleware`) each
record is read from the database at most once; the next request reads it again, so a saved
change applies at once in every process, with no cache to invalidate across them.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sspr.statements import Statement, columns, instance

# The records read in the current request, by model; None outside a request.
_read: ContextVar[dict | None] = ContextVar("policies_read", default=None)


@contextmanager
def policies_read_once() -> Iterator[None]:
    """Read each policy record at most once inside this block (one request)."""
    token = _read.set({})
    try:
        yield
    finally:
        _read.reset(token)


class SingletonModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # The rest of a request that changed the record sees the change, not what it read.
        read = _read.get()
        if read is not None:
            read.pop(type(self), None)

    @classmethod
    def current(cls):
        read = _read.get()
        if read is not None and cls in read:
            return read[cls]
        policy = _read_record(cls) or cls.objects.get_or_create(pk=1)[0]
        if read is not None:
            read[cls] = policy
        return policy


def _read_record(model: type[SingletonModel]) -> SingletonModel | None:
    """The record (pk 1), read by a statement compiled once (nearly every request reads a
    policy), or None if not made yet."""
    rows = _record_statement(model).rows()
    return instance(model, rows[0]) if rows else None


@cache
def _record_statement(model: type[SingletonModel]) -> Statement:
    return Statement(lambda: model.objects.filter(pk=1).values_list(*columns(model)))


class ResetPolicy(SingletonModel):
    """Who may reset their password themselves, and how they must prove who they are."""

    class EnabledFor(models.TextChoices):
        NONE = "none", _("Nobody")
        GROUP = "group", _("A selected group")
        ALL = "all", _("Everyone")

    enabled_for = models.CharField(
        _("self-service reset enabled for"), max_length=5, choices=EnabledFor.choices,
        default=EnabledFor.ALL,
    )
    enabled_group = models.ForeignKey(
        "auth.Group", on_delete=models.PROTECT, null=True, blank=True,
        verbose_name=_("enabled group"),
    )
    methods_required = models.PositiveSmallIntegerField(
        _("methods required to reset"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(2)],
        help_text=_("Administrators always need two."),
    )
    allow_email = models.BooleanField(_("email a code"), default=True)
    allow_mobile_sms = models.BooleanField(_("text a code to a mobile phone"), default=True)
    allow_mobile_call = models.BooleanField(_("call a mobile phone"), default=True)
    allow_office_call = models.BooleanField(_("call an office phone"), default=True)
    allow_authenticator = models.BooleanField(_("authenticator app code"), default=True)
    allow_security_questions = models.BooleanField(_("security questions"), default=True)
    questions_to_register = models.PositiveSmallIntegerField(
        _("security questions to register"), default=3,
        validators=[MinValueValidator(3), MaxValueValidator(5)],
    )
    questions_to_answer = models.PositiveSmallIntegerField(
        _("security questions to answer"), default=3,
        validators=[MinValueValidator(3), MaxValueValidator(5)],
    )
    questions_may_be_only_gate = models.BooleanField(
        _("security questions may be the only gate"), default=False,
        help_text=_("Off: someone who can guess or look up answers cannot reset on them alone."),
    )
    require_registration = models.BooleanField(
        _("require users to register when signing in"), default=True
    )
    reconfirm_days = models.PositiveSmallIntegerField(
        _("days before users are asked to reconfirm their methods"), default=180,
        validators=[MaxValueValidator(730)], help_text=_("0 means never."),
    )
    notify_user_on_reset = models.BooleanField(_("notify users when their password is reset"),
                                               default=True)
    notify_admins_on_admin_reset = models.BooleanField(
        _("notify all administrators when another administrator resets their password"),
        default=True,
    )
    helpdesk_email = models.EmailField(_("helpdesk email"), blank=True)
    helpdesk_url = models.URLField(_("helpdesk web page"), blank=True)
    show_account_state = models.BooleanField(
        _("show account state"), default=False,
        help_text=_("Off (protected mode): the wizard never reveals whether an ID exists or "
                    "what state it is in. Turn on only where user IDs are not secret."),
    )

    class Meta:
        verbose_name = _("self-service reset policy")
        verbose_name_plural = _("self-service reset policy")

    def __str__(self) -> str:
        return str(_("Self-service reset policy"))

    def clean(self) -> None:
        errors = {}
        if self.questions_to_answer > self.questions_to_register:
            errors["questions_to_answer"] = _("Ask at most as many questions as users register.")
        if self.enabled_for == self.EnabledFor.GROUP and self.enabled_group_id is None:
            errors["enabled_group"] = _("Choose the group that may reset.")
        if sum(self.method_flags.values()) < self.methods_required:
            errors["methods_required"] = _("Allow at least as many methods as are required.")
        if errors:
            raise ValidationError(errors)

    @property
    def method_flags(self) -> dict[str, bool]:
        return {
            "email": self.allow_email,
            "sms": self.allow_mobile_sms,
            "mobile_call": self.allow_mobile_call,
            "office_call": self.allow_office_call,
            "authenticator": self.allow_authenticator,
            "questions": self.allow_security_questions,
        }


class PasswordPolicy(SingletonModel):
    """The rules every new password meets, and when passwords expire."""

    banned_terms = models.TextField(
        _("banned terms"), blank=True,
        help_text=_("One per line, 4–16 characters, at most 1000: your organisation's name, "
                    "products, places. Matched ignoring case and look-alike characters."),
    )
    require_three_classes = models.BooleanField(
        _("require 3 of 4 character classes"), default=False,
        help_text=_("Lower case, upper case, digits, symbols. Length protects more."),
    )
    min_strength = models.PositiveSmallIntegerField(
        _("minimum estimated strength"), default=3,
        validators=[MaxValueValidator(4)], help_text=_("zxcvbn score, 0–4."),
    )
    history_count = models.PositiveSmallIntegerField(
        _("previous passwords that cannot be reused"), default=5,
        validators=[MaxValueValidator(24)],
    )
    expiry_days = models.PositiveSmallIntegerField(
        _("days before a password expires"), default=0,
        validators=[MaxValueValidator(730)],
        help_text=_("0 means never; otherwise 14–730."),
    )
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("days before expiry to remind users"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    temporary_password_days = models.PositiveSmallIntegerField(
        _("days a temporary password is valid"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("password policy")
        verbose_name_plural = _("password policy")

    def __str__(self) -> str:
        return str(_("Password policy"))

    def clean(self) -> None:
        if 0 < self.expiry_days < 14:
            raise ValidationError({"expiry_days": _("Use 0 (never) or 14 to 730 days.")})
        terms = [t.strip() for t in self.banned_terms.splitlines() if t.strip()]
        if len(terms) > 1000:
            raise ValidationError({"banned_terms": _("At most 1000 terms.")})
        if any(not 4 <= len(t) <= 16 for t in terms):
            raise ValidationError({"banned_terms": _("Each term is 4 to 16 characters.")})

    @property
    def remembered_count(self) -> int:
        """Hashes kept besides the current one: "not one of the last N" counts the current."""
        return max(self.history_count - 1, 0)

    @property
    def banned_term_list(self) -> list[str]:
        return [t.strip() for t in self.banned_terms.splitlines() if t.strip()]
