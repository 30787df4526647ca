"""Staff sessions as the administration requires them: signed in and second factor verified."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True,
                                                 defaults={"name": "authenticator"})
    return device


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def admin_login(client: Client, user) -> Client:
    """Sign `user` in as the portal would after their password and authenticator code."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
    return client
