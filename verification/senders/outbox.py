"""The development outbox: messages are kept in the database for a person to read."""

from django.core.mail.backends.base import BaseEmailBackend

from ..models import OutboxEntry
from ..texts import sms_text, voice_script


class OutboxEmailBackend(BaseEmailBackend):
    """A Django email backend that files each message in the outbox instead of sending it."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            alternatives = getattr(message, "alternatives", [])
            html = next((body for body, mime in alternatives if mime == "text/html"), "")
            OutboxEntry.objects.create(
                channel=OutboxEntry.Channel.EMAIL,
                to=", ".join(message.to),
                subject=message.subject,
                body=message.body,
                html_body=html,
            )
        return len(email_messages)


class OutboxSmsSender:
    """Keep the text message that would have gone out."""

    def send_code(self, *, to: str, code: str, language: str) -> None:
        body = sms_text(code=code, language=language)
        OutboxEntry.objects.create(channel=OutboxEntry.Channel.SMS, to=to, body=body)


class OutboxVoiceSender:
    """Keep the script the call would have read aloud (twice, as a real call does)."""

    def send_code(self, *, to: str, code: str, language: str) -> None:
        script = voice_script(code=code, language=language)
        OutboxEntry.objects.create(channel=OutboxEntry.Channel.VOICE, to=to,
                                   body=f"{script}\n{script}")
