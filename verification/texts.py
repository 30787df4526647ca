"""The words of a code message, in the recipient's language, for every sender to share."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def sms_text(*, code: str, language: str) -> str:
    """Render the text message that carries `code`."""
    return _render("sms/code.txt", code=code, language=language)


def voice_script(*, code: str, language: str) -> str:
    """Render what the call says once; the voice senders say it twice."""
    # Digits apart, so that text-to-speech reads "4 1 7" rather than "four hundred seventeen".
    return _render("sms/call.txt", code=" ".join(code), language=language)


def _render(template: str, *, code: str, language: str) -> str:
    with translation.override(language):
        return " ".join(render_to_string(
            template, {"code": code, "organisation_name": settings.SSPR_ORGANISATION_NAME}
        ).split())
