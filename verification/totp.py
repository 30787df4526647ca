"""Authenticator app codes (SPEC 6.1): six ASCII digits, one 30 s step either side, never twice."""

import re

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# [0-9], not \d, str.isdigit() or int(): those also take Arabic-Indic and full-width digits,
# a sign and underscores, so one code would have many spellings.
CODE = re.compile(r"[0-9]{6}")
# Steps either side of the server's clock: a phone a little fast or slow, or a code typed
# just as it changed. Fixed, never learned (OTP_TOTP_SYNC is off).
TOLERANCE = 1


def parse_code(typed: str) -> int | None:
    """The code in `typed`: six ASCII digits, spaces allowed anywhere; otherwise None."""
    compact = typed.replace(" ", "")
    return int(compact) if CODE.fullmatch(compact) else None


def check_code(device: TOTPDevice, typed: str) -> bool:
    """Check `typed` against `device`, whose row the caller holds locked.

    The window is the server's step and one either side, whatever drift a row learned
    before: a drifted window accepted a code long gone from the app and refused the one on
    screen. django-otp refuses any step at or before the last one used (a code works once)
    and throttles after failures. Input that is not a code changes nothing.
    """
    code = parse_code(typed)
    if code is None:
        return False
    device.drift, device.tolerance = 0, TOLERANCE
    return device.verify_token(code)


def check_decoy_code(key: str, code: int) -> None:
    """The same check against a key nobody has: the cost of check_code, for a stand-in."""
    decoy = TOTPDevice(key=key)
    TOTP(decoy.bin_key, decoy.step, decoy.t0, decoy.digits).verify(code, TOLERANCE)
