"""OpenLDAP (or 389) with the password policy overlay (ppolicy), through python-ldap.

Safe by construction: every connection is TLS (ldaps://, or ldap:// upgraded with StartTLS)
and verifies the server's certificate against SSPR_DIRECTORY_CA_FILE; every typed value is
escaped before it reaches a filter; each connect and operation has a timeout. The service
account's bound connection is kept per thread (so per worker process), and opened again once
if the server dropped it. A person's own bind always uses a fresh connection.
"""

import logging
import re
import secrets
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import ldap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from ldap.controls import DecodeControlTuples
from ldap.controls.ppolicy import PasswordPolicyControl
from ldap.filter import escape_filter_chars

from .base import (
    BindResult,
    Directory,
    DirectoryError,
    DirectoryUnavailable,
    PasswordRefused,
    Person,
    WrongPassword,
)

logger = logging.getLogger(__name__)

# The directory did not answer, or not in time: nothing was changed, try again later.
UNREACHABLE = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR, ldap.BUSY, ldap.UNAVAILABLE)

# draft-behera-ldap-password-policy error numbers, and what the person reads for each.
PPOLICY_MESSAGES = {
    6: _("This password is too short for your organisation's directory. Choose a longer one."),
    7: _("Your password was changed too recently to change it again yet. Try again later."),
    8: _("You have used this password recently. Choose a new one."),
}
PPOLICY_ACCOUNT_LOCKED, PPOLICY_CHANGE_AFTER_RESET, PPOLICY_EXPIRED = 1, 2, 0
# pwdAccountLockedTime with this value locks an account for good: it is disabled.
DISABLED_FOR_GOOD = "000001010000Z"


class LdapDirectory(Directory):
    name = "ldap"
    keeps_password_hashes = False
    id_attributes = ("uid", "mail")
    user_filter = "(objectClass=inetOrgPerson)"
    attributes = {"username": "uid", "email": "mail", "first_name": "givenName",
                  "last_name": "sn", "display_name": "cn", "phone": "telephoneNumber"}
    # Asked for alongside the mapped attributes: what enabled and locked are read from.
    state_attributes = ("pwdAccountLockedTime",)
    group_filter = ("(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))"
                    "(|(member={dn})(uniqueMember={dn})))")

    def __init__(self) -> None:
        self.url = settings.SSPR_DIRECTORY_URL
        scheme = urlsplit(self.url).scheme.lower()
        # Passwords cross this connection: never in clear, whatever the server would allow.
        if scheme not in ("ldaps", "ldap"):
            raise ImproperlyConfigured("SSPR_DIRECTORY_URL must be ldaps:// or ldap:// "
                                       "(which is always upgraded with StartTLS)")
        self.start_tls = scheme == "ldap"
        for name in ("SSPR_DIRECTORY_CA_FILE", "SSPR_DIRECTORY_BASE_DN",
                     "SSPR_DIRECTORY_BIND_DN", "SSPR_DIRECTORY_BIND_PASSWORD"):
            if not getattr(settings, name):
                raise ImproperlyConfigured(f"{name} is required with SSPR_DIRECTORY={self.name}")
        self.base_dn = settings.SSPR_DIRECTORY_BASE_DN
        self.id_attributes = tuple(settings.SSPR_DIRECTORY_ID_ATTRIBUTES or self.id_attributes)
        self.user_filter = settings.SSPR_DIRECTORY_USER_FILTER or self.user_filter
        self.attributes = {**self.attributes, **settings.SSPR_DIRECTORY_ATTRIBUTES}
        # Searched and bound for an ID that names nobody: under the base, so the server
        # walks the same tree, and named by 128 random bits, so no entry can have it.
        self.stand_in_dn = f"cn=sspr-stand-in-{secrets.token_hex(16)},{self.base_dn}"
        self._local = threading.local()

    # --- Connections ---------------------------------------------------------------------

    def _connect(self) -> ldap.ldapobject.LDAPObject:
        """A new TLS connection, certificate verified, with both timeouts set; not bound."""
        conn = ldap.initialize(self.url)
        conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
        conn.set_option(ldap.OPT_REFERRALS, 0)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, settings.SSPR_DIRECTORY_CONNECT_TIMEOUT)
        conn.set_option(ldap.OPT_TIMEOUT, settings.SSPR_DIRECTORY_TIMEOUT)
        conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, settings.SSPR_DIRECTORY_CA_FILE)
        conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)  # last: makes the TLS options above count
        if self.start_tls:
            conn.start_tls_s()
        return conn

    def _service(self) -> ldap.ldapobject.LDAPObject:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            try:
                conn.simple_bind_s(settings.SSPR_DIRECTORY_BIND_DN,
                                   settings.SSPR_DIRECTORY_BIND_PASSWORD)
            except ldap.INVALID_CREDENTIALS:
                # The portal's own account is refused: an outage for the people using it.
                logger.error("the directory refused the service account")
                raise DirectoryUnavailable from None
            self._local.conn = conn
        return conn

    def _run(self, operation: Callable):
        """Run `operation(connection)` as the service account; translate what goes wrong.

        A reused connection the server has dropped is opened again once; every operation
        here can safely be repeated.
        """
        for attempt in (1, 2):
            try:
                return operation(self._service())
            except UNREACHABLE as error:
                self._local.conn = None
                if attempt == 2:
                    logger.warning("directory unreachable", extra={"error": repr(error)})
                    raise DirectoryUnavailable from None
            except ldap.LDAPError as error:
                raise self._translate(error) from None
        raise AssertionError("unreachable")

    def _translate(self, error: ldap.LDAPError) -> DirectoryError:
        """What a directory's refusal means for the person (the new-password field)."""
        if isinstance(error, ldap.INVALID_CREDENTIALS | ldap.UNWILLING_TO_PERFORM):
            return WrongPassword()
        if isinstance(error, ldap.CONSTRAINT_VIOLATION):
            code = ppolicy_error(error)
            return PasswordRefused(PPOLICY_MESSAGES.get(code))
        logger.error("directory refused an operation", extra={"error": repr(error)})
        return DirectoryUnavailable()

    # --- Finding people --------------------------------------------------------------------

    def _search_filter(self, identifier: str) -> str:
        value = escape_filter_chars(identifier)  # "*", "(", ")", "\" and NUL become \2a etc.
        either = "".join(f"({attribute}={value})" for attribute in self.id_attributes)
        return f"(&{self.user_filter}(|{either}))"

    def _requested(self) -> list[str]:
        return [*self.attributes.values(), *self.state_attributes]

    def _lookup(self, identifier: str) -> tuple[str, dict] | None:
        """The DN and attributes of the one entry `identifier` names; else None."""
        if not identifier or len(identifier) > 254:
            return None

        def search(conn):
            try:
                return conn.search_ext_s(self.base_dn, ldap.SCOPE_SUBTREE,
                                         self._search_filter(identifier), self._requested(),
                                         sizelimit=2)
            except ldap.SIZELIMIT_EXCEEDED:
                return [("", {}), ("", {})]

        found = [(dn, attrs) for dn, attrs in self._run(search) if dn is not None]
        if len(found) != 1:
            if found:
                logger.warning("an ID matches more than one person; none is used")
            return None
        return found[0]

    def find(self, identifier: str) -> Person | None:
        """The person, with their groups; an ID that names nobody costs the same two searches.

        The group search runs for the stand-in DN when nobody was found, so that a real and
        an unknown ID make the same requests of the directory (SPEC 8.1).
        """
        found = self._lookup(identifier)
        dn, attrs = found or (self.stand_in_dn, {})
        groups = self._groups(dn)
        return self._person(dn, attrs, groups) if found else None

    def _person(self, dn: str, attrs: dict, groups: frozenset[str]) -> Person:
        def first(name: str) -> str:
            values = attrs.get(self.attributes.get(name, ""), [])
            return values[0].decode("utf-8", "replace") if values else ""

        return Person(dn=dn, username=first("username"), email=first("email"),
                      first_name=first("first_name"), last_name=first("last_name"),
                      display_name=first("display_name"), phone=first("phone"),
                      enabled=self._enabled(attrs), groups=groups)

    def _enabled(self, attrs: dict) -> bool:
        return DISABLED_FOR_GOOD.encode() not in attrs.get("pwdAccountLockedTime", [])

    def _groups(self, dn: str) -> frozenset[str]:
        query = self.group_filter.format(dn=escape_filter_chars(dn))

        def search(conn):
            return conn.search_ext_s(self.base_dn, ldap.SCOPE_SUBTREE, query, ["cn"])

        return frozenset(attrs["cn"][0].decode() for dn, attrs in self._run(search)
                         if dn and attrs.get("cn"))

    def _dn(self, user) -> str:
        found = self._lookup(user.username)
        if found is None:
            raise DirectoryUnavailable  # the person left the directory since they started
        return found[0]

    def _read(self, dn: str, names: list[str]) -> dict:
        def read(conn):
            return conn.search_ext_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", names)

        found = self._run(read)
        return found[0][1] if found else {}

    # --- Signing in ------------------------------------------------------------------------

    def authenticate(self, identifier: str, password: str) -> BindResult:
        """Find the person and bind as them; an ID that names nobody binds as the stand-in.

        The stand-in DN names no entry, so its bind always fails, but the server and the
        portal do a bind's work for it: a real ID and an unknown one cost the same
        requests (SPEC 8.1).
        """
        person = self.find(identifier)
        # An empty password is an unauthenticated bind, which succeeds (RFC 4513 5.1.2).
        if not password:
            return BindResult(person=person)
        bound, must_change = self._bind(person.dn if person else self.stand_in_dn, password)
        if person is None:
            return BindResult(person=None)
        return BindResult(person=person, bound=bound, must_change=must_change)

    def _bind(self, dn: str, password: str) -> tuple[bool, bool]:
        """Bind as `dn` on a fresh connection: (bound, must change the password first)."""
        try:
            conn = self._connect()
            try:
                msgid = conn.simple_bind(dn, password, serverctrls=[PasswordPolicyControl()])
                controls = conn.result3(msgid)[3]
            finally:
                conn.unbind_s()
        except ldap.INVALID_CREDENTIALS:
            return False, False
        except UNREACHABLE:
            raise DirectoryUnavailable from None
        codes = {c.error for c in controls if isinstance(c, PasswordPolicyControl)}
        return True, bool(codes & {PPOLICY_CHANGE_AFTER_RESET, PPOLICY_EXPIRED})

    # --- Writing passwords -----------------------------------------------------------------

    def set_password(self, user, password: str | None, *, must_change: bool = False) -> None:
        """Password Modify (RFC 3062) as the service account, with the ppolicy control.

        The service account has write, not manage, on userPassword, so ppolicy checks the
        password as it would the person's own (length, history): a self-service reset
        follows the directory's policy. must-change is then set (or cleared) on pwdReset.
        """
        dn = self._dn(user)
        new = password or _unknowable_password()
        self._run(lambda conn: conn.passwd_s(dn, None, new,
                                             serverctrls=[PasswordPolicyControl()]))
        self._set_must_change(dn, must_change)

    def _set_must_change(self, dn: str, must_change: bool) -> None:
        if must_change:
            change = [(ldap.MOD_REPLACE, "pwdReset", [b"TRUE"])]
        elif self._read(dn, ["pwdReset"]).get("pwdReset"):
            change = [(ldap.MOD_DELETE, "pwdReset", None)]
        else:
            return
        self._run(lambda conn: conn.modify_ext_s(dn, change))

    def change_password(self, user, old_password: str, new_password: str) -> None:
        """The person's own change: bound as them, Password Modify with the old password."""
        dn = self._dn(user)
        try:
            conn = self._connect()
            try:
                conn.simple_bind_s(dn, old_password)
                conn.passwd_s(dn, old_password, new_password,
                              serverctrls=[PasswordPolicyControl()])
            finally:
                conn.unbind_s()
        except UNREACHABLE:
            raise DirectoryUnavailable from None
        except ldap.LDAPError as error:
            raise self._translate(error) from None

    def require_change(self, user) -> None:
        self._set_must_change(self._dn(user), True)

    def unlock(self, user) -> None:
        dn = self._dn(user)
        locked = self._read(dn, ["pwdAccountLockedTime"]).get("pwdAccountLockedTime", [])
        if not locked or DISABLED_FOR_GOOD.encode() in locked:
            return  # nothing to clear, or disabled by an administrator: not ours to undo
        self._run(lambda conn: conn.modify_ext_s(
            dn, [(ldap.MOD_DELETE, "pwdAccountLockedTime", None)]))

    def is_locked(self, user) -> bool:
        found = self._lookup(user.username)
        if found is None:
            return False
        locked = self._read(found[0], ["pwdAccountLockedTime"]).get("pwdAccountLockedTime")
        return bool(locked) and DISABLED_FOR_GOOD.encode() not in locked

    def check(self) -> None:
        self._run(lambda conn: conn.search_ext_s(self.base_dn, ldap.SCOPE_BASE,
                                                 "(objectClass=*)", ["1.1"]))


def ppolicy_error(error: ldap.LDAPError) -> int | None:
    """The password policy error number a refusal carries, if any."""
    raw = error.args[0].get("ctrls", []) if error.args and isinstance(error.args[0], dict) else []
    for control in DecodeControlTuples(raw):
        if isinstance(control, PasswordPolicyControl):
            return control.error
    return None


def _unknowable_password() -> str:
    """A password nobody is told: an administrator's link replaces the old one with it."""
    return secrets.token_urlsafe(32) + "-Aa1"


def ad_code(error: ldap.LDAPError) -> tuple[str, str]:
    """AD's leading 8-hex code and its "data NNN" part; only these, never the wording."""
    info = error.args[0].get("info", "") if error.args and isinstance(error.args[0], dict) \
        else ""
    if isinstance(info, bytes):
        info = info.decode("utf-8", "replace")
    code = re.match(r"\s*([0-9A-Fa-f]{8})", info)
    data = re.search(r"data ([0-9A-Fa-f]+)", info)
    return (code.group(1).upper() if code else "", data.group(1).lower() if data else "")
