"""Codes by email through Django's email backend (SMTP in production), HTML and text."""

from django.conf import settings

from accounts.delivery import smtp_errors
from accounts.mail import send_templated_email


class EmailCodeSender:
    """Email the code in the recipient's language."""

    def send_code(self, *, to: str, code: str, language: str) -> None:
        with smtp_errors():
            send_templated_email(to=[to], template="verification_code",
                                 context={"code": code, "minutes": _minutes()}, language=language)


def _minutes() -> int:
    return max(1, settings.SSPR_CODE_LIFETIME_SECONDS // 60)
