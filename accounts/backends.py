from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from sspr.statements import Param, Statement, columns, instance

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


def check_local_password(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s local one; exactly one hash, whoever `user` is.

    Django's check skips the hash for an unusable password, so an account without a local
    password (a directory's person, one reset by an administrator's link) would answer
    faster than an unknown ID: both spend a hash instead (SPEC 8.1).
    """
    if user is None or not user.has_usable_password():
        spend_a_password_check(password)
        return False
    return user.check_password(password)


def can_sign_in(user: User) -> bool:
    """Whether a right password opens `user`'s account: active, and not an expired
    temporary password (the user resets or asks again)."""
    return user.is_active and not user.temporary_password_expired


def admit(request: HttpRequest | None, user: User | None, identifier: str,
          password_ok: bool) -> User | None:
    """Count the try under the sign-in lockout; the user when it opens the account."""
    locked_until = check_sign_in(request=request, user=user, identifier=identifier,
                                 password_ok=password_ok)
    if locked_until is not None:
        if password_ok and request is not None:
            setattr(request, LOCKED_UNTIL_ATTRIBUTE, locked_until)
        return None
    return user if password_ok else None


# Every request of a signed-in person reads their account: one statement, compiled once.
_ACCOUNT = Statement(lambda: User.objects.filter(pk=Param("pk", User._meta.pk))
                     .values_list(*columns(User)))


def signed_in_user(user_id: str) -> User | None:
    """The account a session names, as `User.objects.filter(pk=user_id).first()` reads it."""
    rows = _ACCOUNT.rows(pk=user_id)
    return instance(User, rows[0]) if rows else None


class IdentifierBackend(ModelBackend):
    """Sign in with a username or an email address, under the sign-in lockout.

    Every try costs exactly one password hash, whether the ID is unknown, the password
    wrong, the account without a local password or locked; the lockout then counts the try
    (accounts.lockout).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = User.objects.get_by_identifier(username)
        password_ok = check_local_password(user, password) and can_sign_in(user)
        return admit(request, user, str(username), password_ok)

    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user) -> bool:
        return can_sign_in(user)
