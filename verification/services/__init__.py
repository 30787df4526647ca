"""Proving who you are: every rule and state change of the verification app.

The reset wizard reuses `send_code`, `verify_code`, `verify_totp`, `check_security_answers`,
`registered_methods` and `is_registered`; every function takes the user explicitly.
"""

from .registration import (
    authenticator_uri,
    check_security_answers,
    confirm_authenticator,
    confirm_methods,
    has_authenticator,
    register_contact,
    register_security_answers,
    remove_method,
    remove_method_by_staff,
    start_authenticator,
    totp_secret,
    verified_authenticator,
    verify_second_factor,
    verify_totp,
)
from .sending import (
    CodeNotSent,
    enqueue,
    pending_registration,
    resend_registration_code,
    send_code,
    tries_left,
    verify_code,
)
from .statistics import RegistrationData
from .status import (
    AUTHENTICATOR,
    EMAIL,
    METHOD_LABELS,
    OFFICE_PHONE,
    PHONE,
    QUESTIONS,
    MethodState,
    Overview,
    counted_flags,
    is_registered,
    method_enabled,
    methods_required,
    notice_addresses,
    phone_channels,
    questions_can_count,
    questions_to_register,
    reconfirmation_due,
    registered_methods,
    setup_overview,
    setup_reminder_due,
    users_with_answer_counts,
)

__all__ = [
    "AUTHENTICATOR", "EMAIL", "METHOD_LABELS", "OFFICE_PHONE", "PHONE", "QUESTIONS",
    "CodeNotSent", "MethodState", "Overview", "RegistrationData",
    "authenticator_uri", "check_security_answers", "confirm_authenticator", "confirm_methods",
    "counted_flags", "enqueue", "has_authenticator", "is_registered", "method_enabled",
    "methods_required",
    "notice_addresses", "pending_registration", "phone_channels", "questions_can_count",
    "questions_to_register", "reconfirmation_due", "register_contact",
    "register_security_answers", "registered_methods", "remove_method",
    "remove_method_by_staff",
    "resend_registration_code", "send_code", "setup_overview", "setup_reminder_due",
    "start_authenticator", "totp_secret", "tries_left", "users_with_answer_counts",
    "verified_authenticator", "verify_code", "verify_second_factor", "verify_totp",
]
