import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


def normalise_identifier(value: str) -> str:
    """Return the form a typed user ID is matched on: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def normalise_password(password: str) -> str:
    """NFKC, so the same password typed on any keyboard or OS is the same password.

    NIST SP 800-63B 5.1.1.2: normalise Unicode before hashing; otherwise "é" typed as one
    code point on one machine and as two on another would be two different passwords.
    """
    return unicodedata.normalize("NFKC", password)


class PortalUserManager(UserManager):
    def get_by_identifier(self, identifier: str) -> "User | None":
        """Find the user whose username or email is `identifier`, ignoring case; else None."""
        key = normalise_identifier(identifier)
        if not key:
            return None
        # Both sides go through the database's own lower(), the function the unique indexes
        # use, so that matching and uniqueness can never disagree.
        value = models.Value(key)
        return (
            self.alias(username_key=Lower("username"), email_key=Lower("email"))
            .filter(models.Q(username_key=Lower(value)) | models.Q(email_key=Lower(value)))
            .first()
        )


class User(AbstractUser):
    email = models.EmailField(_("email address"), blank=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    office_phone = PhoneNumberField(
        _("office phone"), blank=True, help_text=_("Set by administrators; users cannot change it.")
    )
    password_managed_elsewhere = models.BooleanField(
        _("password managed elsewhere"),
        default=False,
        help_text=_("The password lives in a directory this portal does not write to."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_never_expires = models.BooleanField(_("password never expires"), default=False)
    password_changed_at = models.DateTimeField(_("password last changed"), null=True, blank=True)
    temporary_password_expires_at = models.DateTimeField(
        _("temporary password expires"), null=True, blank=True
    )
    password_expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PortalUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [("reset_password", _("Can reset other users' passwords"))]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(None if raw_password is None else normalise_password(raw_password))

    def check_password(self, raw_password: str) -> bool:
        return super().check_password(normalise_password(raw_password))

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def temporary_password_expired(self) -> bool:
        expires = self.temporary_password_expires_at
        return expires is not None and expires <= timezone.now()


class LockoutStreak(models.Model):
    """How many times in a row an account has been locked out of sign-in.

    django-axes counts the failures; this row only makes each further lockout last twice as
    long (SPEC 6.1). It is keyed on the lockout key, so unknown IDs escalate the same way.
    """

    key = models.CharField(max_length=254, unique=True)
    lockouts = models.PositiveIntegerField(default=0)
    last_locked_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.lockouts}"


class PasswordHistory(models.Model):
    """A hash of a password the user had before, so it cannot come back too soon."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("password history")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class Notice(models.Model):
    """An email telling a user what happened to their account, until it has gone out.

    Written in the same transaction as the change it reports, so that a broker outage
    delays the email (the sweep re-queues it) instead of losing it (SPEC 9).
    """

    event = models.OneToOneField("accounts.AuditEvent", on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notice of {self.event_id}"
