from .codes import PhoneBudgetAlert, VerificationCode
from .methods import (
    Authenticator,
    ContactMethod,
    MethodsConfirmation,
    SecurityAnswer,
    SecurityQuestion,
)
from .outbox import OutboxEntry

__all__ = [
    "Authenticator",
    "ContactMethod",
    "MethodsConfirmation",
    "OutboxEntry",
    "PhoneBudgetAlert",
    "SecurityAnswer",
    "SecurityQuestion",
    "VerificationCode",
]
