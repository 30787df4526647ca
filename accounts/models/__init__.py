from .audit import AuditEvent
from .policy import PasswordPolicy, ResetPolicy
from .user import LockoutStreak, PortalUserManager, User, normalise_identifier

__all__ = [
    "AuditEvent",
    "LockoutStreak",
    "PasswordPolicy",
    "PortalUserManager",
    "ResetPolicy",
    "User",
    "normalise_identifier",
]
