"""Render and send one email, HTML and text, in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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

