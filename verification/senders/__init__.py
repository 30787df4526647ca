"""Senders: one small class per provider and channel, chosen by a dotted path in settings.

Each has one public method, `send_code(*, to, code, language)`. A sender raises
`TransientSendError` when trying again later may work (timeouts, 5xx, 429) and
`PermanentSendError` when it will not (other 4xx: a bad number, a refused address).
"""

from django.conf import settings
from django.utils.module_loading import import_string


class SendError(Exception):
    """The provider did not take the message; `reason` is safe to log (never the code)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:120]


class TransientSendError(SendError):
    pass


class PermanentSendError(SendError):
    pass


SENDER_SETTINGS = {
    "email": "SSPR_EMAIL_SENDER",
    "sms": "SSPR_SMS_SENDER",
    "voice": "SSPR_VOICE_SENDER",
}


def sender_for(channel: str):
    """Return an instance of the sender class configured for `channel`."""
    return import_string(getattr(settings, SENDER_SETTINGS[channel]))()
