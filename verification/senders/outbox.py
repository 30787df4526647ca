"""The development outbox: messages are kept in the database for a person to read."""

from django.core.mail.backends.base import BaseEmailBackend

from ..models import OutboxEntry


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
