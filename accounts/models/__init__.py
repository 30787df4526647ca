from .audit import AuditEvent
from .delivery import Delivery
from .jobs import AdminResetJob, AdminResetJobItem
from .lockout import SignInLockout
from .messages import Message
from .policy import PasswordPolicy, ResetPolicy
from .user import (
    PortalUserManager,
    User,
    normalise_identifier,
    normalise_password,
)

__all__ = [
    "AdminResetJob",
    "AdminResetJobItem",
    "AuditEvent",
    "Delivery",
    "Message",
    "PasswordPolicy",
    "PortalUserManager",
    "ResetPolicy",
    "SignInLockout",
    "User",
    "normalise_identifier",
    "normalise_password",
]
