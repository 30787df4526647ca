"""The signed-out reset and unlock wizard: every rule and state change of the `reset` app."""

from .attempts import (
    SESSION_KEY,
    current_attempt,
    end_unverified,
    start_reset,
)
from .finish import contact_helpdesk, finish_reset, finish_unlock
from .gates import (
    APP,
    CODE_METHODS,
    EMAIL,
    QUESTIONS,
    Checked,
    Method,
    check_answers,
    check_app_code,
    check_code,
    choose_method,
    draw_questions,
    offered_methods,
    request_code,
    resend_wait,
    send_code_if_registered,
)

__all__ = [
    "APP", "CODE_METHODS", "EMAIL", "QUESTIONS", "SESSION_KEY", "Checked", "Method",
    "check_answers", "check_app_code", "check_code", "choose_method", "contact_helpdesk",
    "current_attempt", "draw_questions", "end_unverified", "finish_reset", "finish_unlock",
    "offered_methods", "request_code", "resend_wait", "send_code_if_registered", "start_reset",
]
