"""Authenticator app codes (SPEC 6.1): six ASCII digits, one 30 s step either side, never twice."""

import re
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# [0-9], not \d, str.isdigit() or int(): those also take Arabic-Indic and full-width digits,
# a sign and underscores, so one code would have many spellings.
CODE = re.compile(r"[0-9]{6}")
# Steps either side of the server's clock: a phone a little fast or slow, or a code typed
# just as it changed. Fixed, never learned (OTP_TOTP_SYNC is off).
TOLERANCE = 1
# A time step no clock reaches: a device whose last used step it is accepts no code.
EVERY_STEP_USED = 2**62


def parse_code(typed: str) -> int | None:
    """The code in `typed`: six ASCII digits, spaces allowed anywhere; otherwise None."""
    compact = typed.replace(" ", "")
    return int(compact) if CODE.fullmatch(compact) else None


def stand_in_device() -> TOTPDevice:
    """The device checked for someone who has none, the reset wizard's stand-in included.

    A fresh random key nobody holds, every time step already used (so no code passes it,
    not even one guessed right by chance), and the primary key 0, which no row has: checking
    it is check_code's work, statement for statement, and writes nothing (SPEC 8.1).
    """
    return TOTPDevice(pk=0, name="stand-in", confirmed=True, last_t=EVERY_STEP_USED)


def check_code(device: TOTPDevice, typed: str) -> bool:
    """Check `typed` against `device`, whose row the caller holds locked, and record the try.

    The window is the server's step and one either side, whatever drift a row learned
    before: a drifted window accepted a code long gone from the app and refused the one on
    screen. A step at or before the last one used is refused (a code works once), and after
    a wrong code django-otp's throttle refuses every code for 1, 2, 4 ... seconds.

    Unlike django-otp's verify_token, a throttled device does not return early: every
    check computes the codes of the window and writes the device's state in one UPDATE,
    whether the device is throttled, the code wrong or right, or the device a stand-in. So
    neither the time taken nor the statements sent tell a person's device from the
    stand-in's, or a throttled device from a fresh one, which would link two IDs of one
    account (SPEC 8.1). Input that is not a code changes nothing, for any device.
    """
    code = parse_code(typed)
    if code is None:
        return False
    allowed, _ = device.verify_is_allowed()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time()
    matched = []
    for drift in range(-TOLERANCE, TOLERANCE + 1):
        totp.drift = drift
        if totp.token() == code and totp.t() > device.last_t:
            matched.append(totp.t())
    verified = allowed and bool(matched)
    if verified:
        device.last_t = max(matched)
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
    elif allowed:
        device.throttle_increment(commit=False)
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=device.last_t, last_used_at=device.last_used_at,
        throttling_failure_count=device.throttling_failure_count,
        throttling_failure_timestamp=device.throttling_failure_timestamp)
    return verified
