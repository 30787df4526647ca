"""Re-authentication: changing how you prove who you are needs a recent password."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

SESSION_KEY = "accounts.password_verified_at"


def mark_password_verified(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = timezone.now().timestamp()


def password_verified_recently(request: HttpRequest) -> bool:
    """Whether the password was entered in this session within SSPR_REAUTH_SECONDS."""
    verified_at = request.session.get(SESSION_KEY)
    if not isinstance(verified_at, float):
        return False
    age = timezone.now().timestamp() - verified_at
    return 0 <= age <= settings.SSPR_REAUTH_SECONDS


def require_recent_password(view):
    """Send the user to type their password again unless they did so recently.

    A session left open on a shared computer must not be enough to add an attacker's phone
    as a reset method (SPEC 3.1). Used on top of login_required.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not password_verified_recently(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
