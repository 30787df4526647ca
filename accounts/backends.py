from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth.backends import ModelBackend

from .models import User


def spend_a_password_check(password: str | None) -> None:
    """Hash `password` and throw it away: the time a real password check takes.

    Unknown IDs and locked accounts must cost what a wrong password costs, or response time
    alone tells an attacker which IDs exist or are locked (SPEC 8.1). Django's ModelBackend
    does the same for unknown users.
    """
    User().set_password(password or "")


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, taking as long on a locked account as on a wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            spend_a_password_check(password)
            raise


class IdentifierBackend(ModelBackend):
    """Sign in with a username or an email address, matched on their normalised form."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = User.objects.get_by_identifier(username)
        if user is None:
            spend_a_password_check(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        # An expired temporary password opens nothing; the user resets or asks again.
        return super().user_can_authenticate(user) and not user.temporary_password_expired
