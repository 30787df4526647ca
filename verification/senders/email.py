"""Codes by email through Django's email backend (SMTP in production), HTML and text."""

import smtplib

from django.conf import settings

from accounts.mail import send_templated_email

from . import PermanentSendError, TransientSendError


class EmailCodeSender:
    """Email the code in the recipient's language."""

    def send_code(self, *, to: str, code: str, language: str) -> None:
        try:
            send_templated_email(to=[to], template="verification_code",
                                 context={"code": code, "minutes": _minutes()}, language=language)
        except smtplib.SMTPResponseException as exc:
            # 4xx replies are the server's "try later"; 5xx is a refusal that will not change.
            error = TransientSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
            raise error(f"smtp {exc.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise PermanentSendError("smtp recipient refused") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientSendError(f"smtp {type(exc).__name__}") from None


def _minutes() -> int:
    return max(1, settings.SSPR_CODE_LIFETIME_SECONDS // 60)
