from django.contrib.auth.backends import ModelBackend

from .lockout import check_sign_in
from .models import User

# Set on the request when the right password was given for a locked account: the sign-in
# form tells its owner the truth (SPEC 8.1 allows it: the password proved who they are).
LOCKED_UNTIL_ATTRIBUTE = "sign_in_locked_until"


def spend_a_password_check(password: str | None) -> None:
    """Hash `password` and throw it away: the time a real password check takes.

    Unknown IDs must cost what a wrong password costs, or response time alone tells an
    attacker which IDs exist (SPEC 8.1). Django's ModelBackend does the same for unknown users.
    """
    User().set_password(password or "")


class IdentifierBackend(ModelBackend):
    """Sign in with a username or an email address, under the sign-in lockout.

    Every try costs exactly one password hash, whether the ID is unknown, the password
    wrong or the account locked; the lockout then counts the try (accounts.lockout).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = User.objects.get_by_identifier(username)
        if user is None:
            spend_a_password_check(password)
            password_ok = False
        else:
            password_ok = user.check_password(password) and self.user_can_authenticate(user)
        locked_until = check_sign_in(request=request, user=user, identifier=str(username),
                                     password_ok=password_ok)
        if locked_until is not None:
            if password_ok and request is not None:
                setattr(request, LOCKED_UNTIL_ATTRIBUTE, locked_until)
            return None
        return user if password_ok else None

    def user_can_authenticate(self, user) -> bool:
        # An expired temporary password opens nothing; the user resets or asks again.
        return super().user_can_authenticate(user) and not user.temporary_password_expired
