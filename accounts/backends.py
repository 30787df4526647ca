from django.contrib.auth.backends import ModelBackend

from .models import User


class IdentifierBackend(ModelBackend):
    """Sign in with a username or an email address, matched on their normalised form."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = User.objects.get_by_identifier(username)
        if user is None:
            # Hash anyway so that an unknown ID costs as much time as a wrong password
            # (user enumeration by timing, SPEC 8.1); Django's ModelBackend does the same.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        # An expired temporary password opens nothing; the user resets or asks again.
        return super().user_can_authenticate(user) and not user.temporary_password_expired
