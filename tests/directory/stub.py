"""Directories at the edge of the unit tier: the portal's own store, told to fail on demand,
and an LDAP server in memory."""

import ldap
from ldap.filter import escape_filter_chars

from accounts.directory import Directory, DirectoryError


class FailingDirectory(Directory):
    """Behaves as the portal's own accounts until `failure` is set; then raises it, once
    per call, before anything is written, as a server that refuses or has gone away does."""

    name = "failing"

    def __init__(self) -> None:
        self.failure: DirectoryError | None = None
        self.calls: list[str] = []

    def _maybe_fail(self, call: str) -> None:
        self.calls.append(call)
        if self.failure is not None:
            raise self.failure

    def set_password(self, user, password, *, must_change=False) -> None:
        self._maybe_fail("set_password")
        super().set_password(user, password, must_change=must_change)

    def change_password(self, user, old_password, new_password) -> None:
        self._maybe_fail("change_password")
        super().change_password(user, old_password, new_password)

    def require_change(self, user) -> None:
        self._maybe_fail("require_change")

    def unlock(self, user) -> None:
        self._maybe_fail("unlock")



class MemoryLdap:
    """An OpenLDAP at python-ldap's edge, in memory, for the unit tier.

    It answers the requests LdapDirectory makes (a search by ID, a group search, binds,
    Password Modify, modify) and records each one by python-ldap's name for it, so a test
    can compare what two IDs cost without a real server. Install it over ldap.initialize.
    """

    def __init__(self, *, base_dn: str, service_dn: str, service_password: str) -> None:
        self.base_dn = base_dn
        self.passwords = {service_dn: service_password}
        self.entries: dict[str, dict] = {}
        self.requests: list[str] = []

    def add_person(self, uid: str, password: str) -> str:
        dn = f"uid={uid},ou=people,{self.base_dn}"
        self.passwords[dn] = password
        self.entries[dn] = {"uid": [uid.encode()], "mail": [f"{uid}@example.org".encode()],
                            "cn": [uid.title().encode()], "sn": [b"Tester"]}
        return dn

    def initialize(self, url: str) -> "MemoryConnection":
        return MemoryConnection(self)


class MemoryConnection:
    def __init__(self, server: MemoryLdap) -> None:
        self.server = server
        self.pending: tuple[str, str] | None = None

    def set_option(self, option, value) -> None:
        pass

    def start_tls_s(self) -> None:
        self.server.requests.append("start_tls_s")

    def simple_bind(self, dn: str, password: str, serverctrls=None) -> int:
        self.server.requests.append("simple_bind")
        self.pending = (dn, password)
        return 1

    def result3(self, msgid: int):
        dn, password = self.pending
        if self.server.passwords.get(dn) != password:
            raise ldap.INVALID_CREDENTIALS({"desc": "Invalid credentials"})
        return ldap.RES_BIND, [], msgid, []

    def simple_bind_s(self, dn: str, password: str) -> None:
        self.result3(self.simple_bind(dn, password))

    def search_ext_s(self, base, scope, filterstr, attrlist=None, sizelimit=0):
        self.server.requests.append("search_ext")
        if scope == ldap.SCOPE_BASE:
            return [(base, {})] if base in self.server.entries else []
        # Only people are held: a group search (member=…) finds nothing, as for someone in
        # no group; a person is found by the escaped value of any of their attributes.
        return [(dn, attrs) for dn, attrs in self.server.entries.items()
                if "member=" not in filterstr and any(
                    f"({name}={escape_filter_chars(value.decode())})" in filterstr
                    for name, values in attrs.items() for value in values)]

    def passwd_s(self, dn, old, new, serverctrls=None) -> None:
        self.server.requests.append("passwd")
        self.server.passwords[dn] = new

    def modify_ext_s(self, dn, changes, serverctrls=None) -> None:
        self.server.requests.append("modify_ext")

    def unbind_s(self) -> None:
        pass
