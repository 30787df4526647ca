import unicodedata

from django.conf import settings
from django.contrib.auth.hashers import get_hasher, is_password_usable, make_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from sspr.statements import Param, Statement, columns, instance


def identifier_key(field: str | models.Expression) -> Lower:
    """The one expression user IDs and emails are matched and kept unique on: SQL lower().

    The unique indexes are built on it and every look-up compares it on both sides, typed
    text included, so the index answers the look-up and matching and uniqueness always
    agree. Python's casefold() would turn "Straße" into "strasse", which lower() never
    does: with one function "Straße" is found as "STRAßE" and never as "STRASSE", which
    may be another person's user ID.
    """
    return Lower(field)


def typed_identifier(value: str) -> str:
    """Return typed text as user IDs are stored: NFKC (as Django stores usernames), trimmed.

    Case is left to identifier_key, in the database.
    """
    return unicodedata.normalize("NFKC", value).strip()


def normalise_identifier(value: str) -> str:
    """The key of an ID for counters that never reach the database (lockouts of unknown IDs).

    str.lower() mirrors identifier_key, so "Straße" and "STRASSE" are two keys here too.
    """
    return typed_identifier(value).lower()


def normalise_password(password: str) -> str:
    """NFKC, so the same password typed on any keyboard or OS is the same password.

    NIST SP 800-63B 5.1.1.2: normalise Unicode before hashing; otherwise "é" typed as one
    code point on one machine and as two on another would be two different passwords.
    """
    return unicodedata.normalize("NFKC", password)


class PortalUserManager(UserManager):
    def get_by_identifier(self, identifier: str) -> "User | None":
        """Find the user whose username or email is `identifier`, ignoring case; else None."""
        typed = typed_identifier(identifier)
        if not typed:
            return None
        # A username that looks like someone else's email address loses to the username.
        rows = sorted(_MATCHING.rows(typed=typed), key=lambda row: row[-1])  # by email last
        return instance(self.model, rows[0][:-1]) if rows else None

    def matching(self, typed: str | Param) -> models.QuerySet:
        """The users (at most two) whose username or email is `typed`, through the indexes.

        The email condition repeats the partial index's own, so the planner can use it.
        """
        key = identifier_key(typed if isinstance(typed, Param) else models.Value(typed))
        by_email = models.Q(email_key=key) & ~models.Q(email="")
        return (
            self.alias(username_key=identifier_key("username"),
                       email_key=identifier_key("email"))
            .filter(models.Q(username_key=key) | by_email)
            .annotate(by_email=models.ExpressionWrapper(
                ~models.Q(username_key=key), output_field=models.BooleanField()))
            .order_by()[:2]
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
    # Hashes of the passwords before the current one, newest first. In the row rather than a
    # table of their own: the history rule reads them with the user it checks, and a new
    # password stores them in the same UPDATE, so neither costs a query.
    previous_passwords = models.JSONField(default=list, blank=True, editable=False)

    objects = PortalUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [
            ("reset_password", _("Can reset other users' passwords")),
            # Separate and explicit: a helpdesk role never manages staff by accident (issue 9).
            ("manage_staff_credentials",
             _("Can manage staff members' passwords, methods and security flags")),
        ]
        constraints = [
            models.UniqueConstraint(identifier_key("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(
                identifier_key("email"), condition=~models.Q(email=""),
                name="user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password: str | None) -> None:
        if raw_password is None:
            super().set_password(None)
            return
        self.password = self.hash_password(raw_password)
        self._password = raw_password

    def hash_password(self, raw_password: str) -> str:
        """Hash `raw_password` as it would be stored, with this user's own salt.

        The salt is the one in the current Argon2 hash (a random one for a first password),
        so every password of a user is hashed alike and the history rule can compare hashes
        (accounts.password_policy). The result is remembered for the same password on this
        instance: the policy's check and the save that follows cost one Argon2 operation.
        """
        password = normalise_password(raw_password)
        memo = getattr(self, "_hashed", None)
        if memo and memo[2] == self.password and constant_time_compare(memo[0], password):
            return memo[1]
        hashed = make_password(password, salt=self.password_salt())
        self._hashed = (password, hashed, self.password)
        return hashed

    def remember_password(self, previous: str, *, keep: int) -> None:
        """Put the hash being replaced first in the history, which holds at most `keep`.

        An unusable value (a directory's password, a link's placeholder) matches no password
        and is not kept; an equal hash is the same password with the same salt, kept once, so
        a transaction tried again leaves the same history. The caller saves
        previous_passwords with the new password.
        """
        remembered = [previous] if previous and is_password_usable(previous) else []
        older = [h for h in self.previous_passwords if h != previous]
        self.previous_passwords = [*remembered, *older][:keep]

    def password_salt(self) -> str | None:
        """The salt of the current password hash if it is the preferred hasher's, else None."""
        if not is_password_usable(self.password):
            return None
        hasher = get_hasher()
        if not self.password.startswith(f"{hasher.algorithm}$"):
            return None
        return hasher.decode(self.password)["salt"]

    def _get_session_auth_hash(self, secret=None) -> str:
        # With one salt per user, going back to a password after the history allows it gives
        # back the very same hash; the change time keeps sessions ended then ended.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}|{self.password_changed_at}",
            secret=secret, algorithm="sha256",
        ).hexdigest()

    def check_password(self, raw_password: str) -> bool:
        return super().check_password(normalise_password(raw_password))

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def temporary_password_expired(self) -> bool:
        expires = self.temporary_password_expires_at
        return expires is not None and expires <= timezone.now()


# Sign-in and the wizard's first step look a person up by what they typed: one statement,
# compiled once.
_MATCHING = Statement(lambda: User.objects.matching(Param("typed", models.CharField()))
                      .values_list(*columns(User), "by_email"))
