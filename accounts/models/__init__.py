from .audit import AuditEvent
from .jobs import AdminResetJob, AdminResetJobItem
from .lockout import SignInLockout
from .policy import PasswordPolicy, ResetPolicy
from .user import (
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
    "Notice",
    "PasswordHistory",
    "PasswordPolicy",
    "PortalUserManager",
    "ResetPolicy",
    "SignInLockout",
    "User",
    "normalise_identifier",
    "normalise_password",
]
