"""The directory the portal writes passwords to, chosen by SSPR_DIRECTORY, and the local
record it keeps of each person the directory knows."""

from functools import cache

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver
from django.utils.module_loading import import_string
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import NumberParseException

from ..lockout import is_locked_out
from ..models import User
from .base import (
    BindResult,
    Directory,
    DirectoryError,
    DirectoryUnavailable,
    PasswordRefused,
    Person,
    WrongPassword,
)

__all__ = ["BindResult", "Directory", "DirectoryError", "DirectoryUnavailable",
           "PasswordRefused", "Person", "WrongPassword", "check_password", "directory", "find_user",
           "is_locked", "sync_person"]

BACKENDS = {
    "local": "accounts.directory.base.Directory",
    "ldap": "accounts.directory.ldap.LdapDirectory",
    "ad": "accounts.directory.ad.ActiveDirectory",
}


@cache
def directory() -> Directory:
    """The configured directory, one per process, so its connection is reused."""
    return import_string(BACKENDS[settings.SSPR_DIRECTORY])()


@receiver(setting_changed)
def _forget_directory(*, setting: str, **kwargs) -> None:
    if setting.startswith("SSPR_DIRECTORY"):
        directory.cache_clear()


def is_locked(user: User) -> bool:
    """Locked out of sign-in by the portal's own count, or by the directory's."""
    return is_locked_out(user) or directory().is_locked(user)


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the user's current one, asked where the password lives."""
    if directory().keeps_password_hashes:
        return user.check_password(password)
    return directory().authenticate(user.username, password).bound


def find_user(identifier: str) -> User | None:
    """The local record of whoever `identifier` names, brought in step with the directory.

    With the portal's own accounts this is the user table's lookup; with a directory the
    directory decides who exists, and the record is created or updated from what it says.
    """
    if directory().keeps_password_hashes:
        return User.objects.get_by_identifier(identifier)
    return sync_person(directory().find(identifier))


def sync_person(person: Person | None) -> User | None:
    """Create or update the local record of `person`: name, mail, phone, enabled, groups.

    None (an ID the directory does not know) makes the same reads, for a record no row
    has, and writes nothing: a sign-in or a wizard start costs the same queries whether the
    ID names someone or not (SPEC 8.1). Only a person's first appearance, or a change the
    directory made, writes.
    """
    with transaction.atomic():
        # An empty username matches no row: the stand-in's lookup finds nobody.
        user = User.objects.filter(username__iexact=person.username if person else "").first()
        if person is None:
            _sync_groups(User(pk=0), frozenset())
            return None
        values = _values(person)
        if user is None:
            user = User(username=person.username, **values)
            # The password lives in the directory; no local hash can sign anyone in.
            user.set_unusable_password()
            user.save()
        else:
            changed = [k for k, v in values.items() if getattr(user, k) != v]
            for name in changed:
                setattr(user, name, values[name])
            if changed:
                user.save(update_fields=changed)
        _sync_groups(user, person.groups)
    return user


def _values(person: Person) -> dict:
    return {
        "email": person.email, "first_name": person.first_name[:150],
        "last_name": person.last_name[:150], "display_name": person.display_name[:150],
        "office_phone": _phone(person.phone), "is_active": person.enabled,
        "password_managed_elsewhere": False,
    }


def _phone(value: str) -> PhoneNumber | str:
    if not value:
        return ""
    try:
        number = PhoneNumber.from_string(value, region=settings.PHONENUMBER_DEFAULT_REGION)
    except NumberParseException:
        return ""
    return number if number.is_valid() else ""


def _sync_groups(user: User, names: frozenset[str]) -> None:
    """Mirror membership of directory groups into the portal's groups of the same name.

    A portal group without permissions stands for the directory group of the same name, so
    "enabled for a selected group" can name a directory group; groups that grant
    permissions are the portal's own (administrators) and are left alone. One read, whatever
    the groups; a write only when membership changed.
    """
    member = User.groups.through.objects.filter(group_id=OuterRef("pk"), user_id=user.pk)
    rows = (Group.objects.filter(permissions__isnull=True)
            .filter(Q(name__in=names) | Q(Exists(member)))
            .values_list("pk", "name", Exists(member)).distinct())
    wanted = {pk for pk, name, _ in rows if name in names}
    current = {pk for pk, _, is_member in rows if is_member}
    if wanted != current:
        user.groups.remove(*(current - wanted))
        user.groups.add(*(wanted - current))
