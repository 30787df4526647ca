"""One-time "set your password" links that an administrator's reset sends to a user.

Modelled on django.contrib.auth.tokens: the token is an HMAC (keyed with SECRET_KEY) of
the account state it may change, so nothing is stored and the link dies when that state
does. What invalidates a token:

- using it: setting the password changes the password hash;
- another reset: it writes a new random unusable password and a new expiry;
- a sign-in: it changes last_login;
- time: the account's temporary_password_expires_at (PasswordPolicy.temporary_password_days).
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import User

KEY_SALT = "accounts.links.set-password"


def _state(user: User) -> str:
    last_login = "" if user.last_login is None else user.last_login.replace(microsecond=0,
                                                                          tzinfo=None)
    return f"{user.pk}|{user.password}|{user.temporary_password_expires_at}|{last_login}"


def make_token(user: User) -> str:
    return salted_hmac(KEY_SALT, _state(user), algorithm="sha256").hexdigest()


def check_token(user: User | None, token: str) -> bool:
    """Whether `token` opens the set-password page for `user` now; fails closed."""
    if user is None or not token or not user.is_active:
        return False
    expires = user.temporary_password_expires_at
    if expires is None or expires <= timezone.now():
        return False
    # Constant time: a byte-by-byte comparison would leak how much of a guess is right.
    return constant_time_compare(make_token(user), token)


def set_password_url(user: User) -> str:
    """The absolute link, built from SSPR_BASE_URL and never a request's Host (SPEC 8.6)."""
    path = reverse("accounts:set-password",
                   kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                           "token": make_token(user)})
    return settings.SSPR_BASE_URL.rstrip("/") + path


def user_from_uidb64(uidb64: str) -> User | None:
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk).first()
