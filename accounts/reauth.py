"""Re-authentication: changing how you prove who you are needs a recent password."""

from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .audit import record_event
from .directory import check_password
from .lockout import check_sign_in
from .models import AuditEvent

SESSION_KEY = "accounts.password_verified_at"


def confirm_password(*, request: HttpRequest, password: str) -> tuple[bool, datetime | None]:
    """Check the signed-in user's password again; return (right, when a lockout ends).

    Each try counts toward the same lockout as sign-in and is audited either way: a session
    left open must not become a way to test passwords without limit or trace. The view also
    limits tries per client address (SSPR_REAUTH_IP_RATE).
    """
    user = request.user
    right = check_password(user, password)
    locked_until = check_sign_in(request=request, user=user, identifier=user.username,
                                 password_ok=right,
                                 failure_event=AuditEvent.Type.PASSWORD_CONFIRMATION_FAILED)
    if right and locked_until is None:
        record_event(type=AuditEvent.Type.PASSWORD_CONFIRMED, request=request, subject=user)
    return right, locked_until


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
