"""Phone numbers and email addresses as they are stored, and how a typed one is compared.

Registration and the reset wizard normalise with the same functions, once, so that a number
or address matches exactly when it is the same one; the comparison is over bytes in constant
time. Nothing typed can raise here: what cannot be normalised becomes "" and matches nothing.
"""

import hmac
import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator

MAX_LENGTH = 254
MAX_LOCAL_OCTETS = 64  # RFC 5321 4.5.3.1.1

# RFC 5322 dot-atom, with RFC 6531's UTF8-non-ascii added to atext: letters, marks, digits,
# symbols and punctuation of any script; never a space, a control or a format character
# (a zero-width space would make two addresses that look the same).
_ATEXT = r"(?:[-!#$%&'*+/=?^_`{|}~0-9a-z]|[^\x00-\x7f])"
_LOCAL_PART = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_UNICODE_ATEXT = frozenset("LMNPS")  # Unicode general categories, by their first letter
_DOMAIN = DomainNameValidator(accept_idna=False)


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


def deliverable_email(typed: str) -> str:
    """`normalise_email(typed)` if mail can be delivered to it, else "".

    The local part is a dot-atom (quoted local parts are refused: no provider hands them out,
    and they would let two spellings name one mailbox); a Unicode one goes out with SMTPUTF8
    (accounts.mail). The domain must be a host name with a dot, checked in its IDNA form.
    """
    address = normalise_email(typed)
    local, _, domain = address.rpartition("@")
    if not address or len(local.encode()) > MAX_LOCAL_OCTETS or "." not in domain:
        return ""
    if not _LOCAL_PART.fullmatch(local) or not all(
            ch.isascii() or unicodedata.category(ch)[0] in _UNICODE_ATEXT for ch in local):
        return ""
    try:
        _DOMAIN(domain.encode("idna").decode("ascii"))
    except (UnicodeError, ValidationError):
        return ""
    return address


def same_destination(typed: str, registered: str) -> bool:
    """Whether two normalised destinations are the same, compared as bytes in constant time."""
    return bool(typed) and hmac.compare_digest(typed.encode(), registered.encode())
