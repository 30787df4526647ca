from .audit import AuditEvent
from .policy import PasswordPolicy, ResetPolicy
from .user import (
    LockoutStreak,
    Notice,
    PasswordHistory,
    PortalUserManager,
    User,
    normalise_identifier,
    normalise_password,
)

__all__ = [
    "AuditEvent",
    "LockoutStreak",
    "Notice",
    "PasswordHistory",
    "PasswordPolicy",
    "PortalUserManager",
    "ResetPolicy",
    "User",
    "normalise_identifier",
    "normalise_password",
]
