"""Sign-in against the directory: /sign-in/, and so /setup/ and /account/."""

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

from ..backends import LOCKED_UNTIL_ATTRIBUTE
from ..lockout import check_sign_in
from ..models import User
from . import directory, sync_person


class DirectoryBackend(BaseBackend):
    """Bind as the person; on success bring their local record in step and sign them in.

    With the portal's own accounts it steps aside (IdentifierBackend checks the hash). With
    a directory, an ID the directory knows is decided here and nowhere else, under the
    portal's sign-in lockout as well as the directory's: a refusal stops the chain
    (PermissionDenied) rather than falling through to a local hash. An ID the directory
    does not know falls through, so a local break-glass administrator still signs in, and
    an unknown ID costs a hash and is counted like any other.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or directory().keeps_password_hashes:
            return None
        result = directory().authenticate(username, password)
        if result.person is None:
            return None
        user = sync_person(result.person)
        password_ok = result.bound and user.is_active
        locked_until = check_sign_in(request=request, user=user, identifier=str(username),
                                     password_ok=password_ok)
        if locked_until is not None:
            if password_ok and request is not None:
                setattr(request, LOCKED_UNTIL_ATTRIBUTE, locked_until)
            raise PermissionDenied
        if not password_ok:
            raise PermissionDenied
        if result.must_change and not user.must_change_password:
            # The directory wants a new password first (AD pwdLastSet=0, ppolicy pwdReset).
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        return user

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id).first()
