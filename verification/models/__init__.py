from .codes import PhoneBudgetAlert, VerificationCode
from .methods import ContactMethod, MethodsConfirmation, SecurityAnswer, SecurityQuestion
from .outbox import OutboxEntry

__all__ = [
    "ContactMethod",
    "MethodsConfirmation",
    "OutboxEntry",
    "PhoneBudgetAlert",
    "SecurityAnswer",
    "SecurityQuestion",
    "VerificationCode",
]
