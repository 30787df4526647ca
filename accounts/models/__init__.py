from .audit import AuditEvent
from .jobs import AdminResetJob, AdminResetJobItem
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
    "AdminResetJob",
    "AdminResetJobItem",
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
