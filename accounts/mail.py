"""Render and send one email, HTML and text, in the recipient's language; and the SMTP
backend that can deliver to an internationalised address."""

import io
import smtplib
from contextlib import suppress
from email import policy
from email.generator import BytesGenerator

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import smtp
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation

# RFC 3834: a machine wrote this. Autoresponders (out-of-office, vacation) must not answer it,
# and an answer could never be read: the sender is a no-reply address.
HEADERS = {"Auto-Submitted": "auto-generated"}


def send_templated_email(*, to: list[str], template: str, context: dict, language: str) -> None:
    """Send `emails/<template>.{subject.txt,txt,html}` to `to`, rendered in `language`.

    Links in the context must already be absolute URLs built from SSPR_BASE_URL, never from
    a request's Host header (SPEC 8.6: a forged Host would otherwise phish with our mail).
    """
    render_templated_email(to=to, template=template, context=context, language=language).send()


def render_templated_email(
    *, to: list[str], template: str, context: dict, language: str, connection=None
) -> EmailMultiAlternatives:
    """Build the message send_templated_email sends, for callers that batch a connection."""
    context = {
        "organisation_name": settings.SSPR_ORGANISATION_NAME,
        "base_url": settings.SSPR_BASE_URL,
        **context,
        "language": language,
    }
    with translation.override(language):
        subject = render_to_string(f"emails/{template}.subject.txt", context)
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=to,
                                     connection=connection, headers=HEADERS)
    message.attach_alternative(html, "text/html")
    return message


def close_quietly(connection: BaseEmailBackend) -> None:
    """Close an SMTP connection that may already be broken (the server hung up, a timeout)."""
    with suppress(OSError, smtplib.SMTPException):
        connection.close()


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend, with RFC 6531 for an address whose local part is not ASCII.

    Django writes such a local part as an RFC 2047 encoded word, which names another mailbox.
    It must travel as UTF-8 in the envelope and the headers, with SMTPUTF8, to a server that
    offers the extension; a server without it can never take the message, so that is a
    permanent refusal (RFC 6531's 553 5.6.7), not something to retry. ASCII-only messages go
    through Django's code unchanged. Domains go in their IDNA (ASCII) form either way.
    """

    def _send(self, email_message) -> bool:
        recipients = email_message.recipients()
        if all(_local_part(a).isascii() for a in [email_message.from_email, *recipients]):
            return super()._send(email_message)
        try:
            self.connection.ehlo_or_helo_if_needed()
            if not self.connection.has_extn("smtputf8"):
                raise smtplib.SMTPRecipientsRefused({
                    address: (553, b"5.6.7 the server does not offer SMTPUTF8")
                    for address in recipients})
            self.connection.sendmail(_envelope(email_message.from_email),
                                     [_envelope(a) for a in recipients],
                                     _utf8_bytes(email_message), mail_options=["SMTPUTF8"])
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def _local_part(address: str) -> str:
    return address.rpartition("@")[0]


def _envelope(address: str) -> str:
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.encode('idna').decode('ascii')}"


def _utf8_bytes(email_message) -> bytes:
    """The message with its address headers in UTF-8 (RFC 6532), ready for SMTPUTF8."""
    message = email_message.message()
    for header, addresses in (("To", email_message.to), ("Cc", email_message.cc)):
        if addresses:
            message.replace_header(header, ", ".join(_envelope(a) for a in addresses))
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False,
                   policy=policy.SMTPUTF8.clone(linesep="\r\n")).flatten(message)
    return out.getvalue()
