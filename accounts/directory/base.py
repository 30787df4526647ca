"""What every directory offers the portal, and how it says no.

A directory is where people's passwords live: the portal's own user table, an LDAP server
with the password policy overlay, or Active Directory. Everything that sets a password,
unlocks an account, forces a change at the next sign-in or reads a lockout goes through one
of these, so the rules above it (policy, audit, notices, all or nothing) are written once.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


class DirectoryError(Exception):
    """The directory did not do what was asked."""


class DirectoryUnavailable(DirectoryError):
    """The directory could not be reached, timed out, or refused the portal's own account.

    Nothing was changed; the person sees the same "temporarily unavailable" page whatever
    the ID (SPEC 8.1).
    """


class PasswordRefused(DirectoryError):
    """The directory's own password policy refused the new password."""

    def __init__(self, message=None) -> None:
        self.message = message or _("Your organisation's directory did not accept this "
                                    "password: it is too short, too simple, or one you have "
                                    "used before. Choose a different one.")
        super().__init__(str(self.message))


class WrongPassword(DirectoryError):
    """The current password given for a change is not the one the directory has."""


@dataclass(frozen=True)
class Person:
    """One account as the directory knows it, in the portal's words."""

    dn: str
    username: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    phone: str = ""
    enabled: bool = True
    groups: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class BindResult:
    """How a sign-in against the directory went."""

    person: Person | None
    bound: bool = False
    must_change: bool = False


class Directory:
    """The portal's own accounts: passwords hashed in its user table, nothing remote.

    Subclasses talk to a server; they write there first and tell the portal nothing changed
    when the server says no (issue: all or nothing across two systems). Methods that change
    the user row change only the instance: the caller saves it in its own transaction.
    """

    name = "local"
    # Whether the portal's user table holds the password hash (and so its history).
    keeps_password_hashes = True

    def set_password(self, user, password: str | None, *, must_change: bool = False) -> None:
        """An administrative set: the portal's policy already passed; the directory's applies.

        None sets a password nobody knows (an administrator's link replaces the old one).
        """
        user.set_password(password)

    def change_password(self, user, old_password: str, new_password: str) -> None:
        """The user's own change; the old password was checked against the same store."""
        user.set_password(new_password)

    def require_change(self, user) -> None:
        """Make the next sign-in ask for a new password (the portal's flag is enough here)."""

    def unlock(self, user) -> None:
        """Clear the directory's own lockout (the portal's is cleared by the caller)."""

    def is_locked(self, user) -> bool:
        """Whether the directory itself refuses `user` for too many wrong passwords."""
        return False

    def find(self, identifier: str) -> Person | None:
        """The person whose ID is `identifier`, as the directory matches IDs; else None."""
        return None

    def authenticate(self, identifier: str, password: str) -> BindResult:
        """Bind as the person; None as the person when the directory does not know them."""
        return BindResult(person=None)

    def check(self) -> None:
        """Raise DirectoryUnavailable unless the directory answers now (for /healthz)."""
