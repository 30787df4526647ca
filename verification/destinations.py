"""Phone numbers and email addresses as they are stored, and how a typed one is compared.

Registration and the reset wizard normalise with the same functions, once, so that a number
or address matches exactly when it is the same one; the comparison is over bytes in constant
time. Nothing typed can raise here: what cannot be normalised becomes "" and matches nothing.
"""

import hmac
import unicodedata

import phonenumbers
from django.conf import settings

MAX_LENGTH = 254


def normalise_phone(typed: str) -> str:
    """E.164 for a possible phone number (any digits, any spacing), else ""."""
    if len(typed) > MAX_LENGTH:
        return ""
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", typed),
                                    settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(typed: str) -> str:
    """NFC, trimmed and lower-cased, with the domain in Unicode (IDNA decoded), else "".

    "Anna@Exämple.org" and "anna@xn--exmple-cua.org" are one address; a Unicode local part
    (RFC 6531) is kept as typed, lower-cased like the rest.
    """
    address = unicodedata.normalize("NFC", typed).strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or len(address) > MAX_LENGTH:
        return ""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in address):
        return ""
    try:
        domain = domain.lower().encode("idna").decode("idna")
    except UnicodeError:
        return ""
    return f"{local}@{domain}".lower()


def same_destination(typed: str, registered: str) -> bool:
    """Whether two normalised destinations are the same, compared as bytes in constant time."""
    return bool(typed) and hmac.compare_digest(typed.encode(), registered.encode())
