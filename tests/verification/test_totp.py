"""Authenticator codes: six ASCII digits, one step either side of the server's clock, no drift
learned, never accepted twice; checked against pyotp as the person's authenticator app."""

from base64 import b32encode
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from verification.services import confirm_authenticator, start_authenticator, verify_totp

pytestmark = pytest.mark.django_db

STEP = 30
# Ten seconds into a step, so that every offset below lands well inside its own step.
NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
OFFSETS = [-2, -1, 0, 1, 2]


def authenticator(device) -> pyotp.TOTP:
    """The app the person scanned: the device's secret, pyotp's own TOTP."""
    return pyotp.TOTP(b32encode(device.bin_key).decode())


def shown(app: pyotp.TOTP, server_time: datetime, steps_off: int) -> str:
    """The code the app shows when its clock is `steps_off` steps from the server's."""
    return app.at(server_time + timedelta(seconds=steps_off * STEP))


@pytest.mark.parametrize("enrolled_at", OFFSETS)
@pytest.mark.parametrize("used_at", OFFSETS)
def test_one_step_either_side_is_accepted_whatever_the_enrolment(user, enrolled_at, used_at):
    with time_machine.travel(NOW, tick=False) as clock:
        device = start_authenticator(user=user)
        app = authenticator(device)
        enrolled = confirm_authenticator(user=user, token=shown(app, NOW, enrolled_at))
        assert enrolled == (abs(enrolled_at) <= 1)
        if not enrolled:
            return
        later = NOW + timedelta(seconds=3 * STEP)
        clock.move_to(later)
        code = shown(app, later, used_at)
        assert verify_totp(user=user, token=code) == (abs(used_at) <= 1)
        assert not verify_totp(user=user, token=code), "a code is never accepted twice"
        # Whatever was accepted before, the code the app shows now still works a step on.
        clock.move_to(later + timedelta(seconds=2 * STEP))
        assert verify_totp(user=user, token=shown(app, later + timedelta(seconds=2 * STEP), 0))


def test_an_older_step_than_the_last_one_used_is_refused(user):
    with time_machine.travel(NOW, tick=False):
        app = authenticator(start_authenticator(user=user))
        assert confirm_authenticator(user=user, token=shown(app, NOW, 1))
        assert not verify_totp(user=user, token=shown(app, NOW, 0))
        assert not verify_totp(user=user, token=shown(app, NOW, -1))


def test_after_a_wrong_code_even_the_right_one_waits_out_the_throttle(user):
    with time_machine.travel(NOW, tick=False) as clock:
        app = authenticator(start_authenticator(user=user))
        assert confirm_authenticator(user=user, token=shown(app, NOW, -1))
        right = shown(app, NOW, 0)
        assert not verify_totp(user=user, token=f"{(int(right) + 1) % 10**6:06d}")
        assert not verify_totp(user=user, token=right), "refused for a second after a failure"
        clock.shift(1)
        assert verify_totp(user=user, token=right)


def lookalikes(code: str) -> list[str]:
    arabic_indic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return [arabic_indic, full_width, f"+{code}", f"{code[:3]}_{code[3:]}", f"{code}\n",
            f"{code[:3]}\t{code[3:]}", f"0{code}", code[1:], f"-{code}"]


@pytest.mark.parametrize("variant", range(9))
def test_only_six_ascii_digits_are_a_code(user, variant):
    with time_machine.travel(NOW, tick=False):
        app = authenticator(start_authenticator(user=user))
        code = shown(app, NOW, 0)
        assert not confirm_authenticator(user=user, token=lookalikes(code)[variant])
        assert confirm_authenticator(user=user, token=f" {code[:3]} {code[3:]} ")


@pytest.mark.parametrize("variant", range(9))
def test_the_gate_refuses_lookalike_digits_too(user, variant):
    with time_machine.travel(NOW, tick=False) as clock:
        app = authenticator(start_authenticator(user=user))
        assert confirm_authenticator(user=user, token=shown(app, NOW, 0))
        clock.move_to(NOW + timedelta(seconds=2 * STEP))
        code = shown(app, NOW + timedelta(seconds=2 * STEP), 0)
        assert not verify_totp(user=user, token=lookalikes(code)[variant])
