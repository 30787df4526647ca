"""Senders: one small class per provider and channel, chosen by a dotted path in settings.

Each has one public method, `send_code(*, to, code, language)`. A sender raises
`TransientSendError` when trying again later may work (timeouts, 5xx, 429) and
`PermanentSendError` when it will not (other 4xx: a bad number, a refused address).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.delivery import PermanentSendError, SendError, TransientSendError

__all__ = ["PermanentSendError", "SendError", "TransientSendError", "sender_for"]


SENDER_SETTINGS = {
    "email": "SSPR_EMAIL_SENDER",
    "sms": "SSPR_SMS_SENDER",
    "voice": "SSPR_VOICE_SENDER",
}


def sender_for(channel: str):
    """Return an instance of the sender class configured for `channel`."""
    return import_string(getattr(settings, SENDER_SETTINGS[channel]))()
