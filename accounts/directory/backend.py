"""Sign-in against the directory: /sign-in/, and so /setup/ and /account/."""

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

from ..backends import (
    admit,
    can_sign_in,
    check_local_password,
    signed_in_user,
    spend_a_password_check,
)
from ..models import User
from . import directory, sync_person


class DirectoryBackend(BaseBackend):
    """Bind as the person; on success bring their local record in step and sign them in.

    With the portal's own accounts it steps aside (IdentifierBackend checks the hash). With
    a directory every ID is decided here, by one path, under the portal's sign-in lockout as
    well as the directory's: the directory is searched and bound (as a stand-in DN when it
    knows nobody by that ID), the local record is read, and one password hash is spent. The
    hash checks the local password of an ID the directory does not know, so a break-glass
    administrator made with createsuperuser still signs in; for anyone else it is thrown
    away. A real ID, an unknown one and a local one thus cost the same directory requests,
    queries and hashing (SPEC 8.1). A refusal stops the chain (PermissionDenied), so no
    later backend checks a second time.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None or directory().keeps_password_hashes:
            return None
        result = directory().authenticate(username, password)
        user = sync_person(result.person)
        local = User.objects.get_by_identifier(username)
        if result.person is None:
            user = local
            password_ok = check_local_password(local, password) and can_sign_in(local)
        else:
            spend_a_password_check(password)
            password_ok = result.bound and user.is_active
        if admit(request, user, str(username), password_ok) is None:
            raise PermissionDenied
        if result.must_change and not user.must_change_password:
            # The directory wants a new password first (AD pwdLastSet=0, ppolicy pwdReset).
            user.must_change_password = True
            user.save(update_fields=["must_change_password"])
        return user

    def get_user(self, user_id):
        return signed_in_user(user_id)
