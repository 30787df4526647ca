"""The wizard's new-password step against a real OpenLDAP, next to the portal's own accounts.

A throwaway slapd with ppolicy (accounts.directory.testing: the server the directory tests
use) is seeded with people; a second portal under gunicorn is pointed at it by environment
variables alone and shares the first portal's database and Redis; the people's local records
are seeded with the same methods as the own-accounts users, and as the directory's sync makes
them (no local password, no history: the directory keeps both).
"""

import statistics
import time
from pathlib import Path

import ldap
from ldap.controls.ppolicy import PasswordPolicyControl

from .directories import Slapd, admin_connection, available
from .scenarios import Names, Portal, new_password
from .stack import Stack, free_port

PREFIX = "dir-"


class DirectorySide:
    """The slapd, its seeded people, and the portal that writes their passwords there."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.server = Slapd(stack.logs / "slapd")
        self.portal: Portal | None = None

    def start(self, *, count: int, password: str) -> None:
        reason = available("ldap")
        if reason:
            raise RuntimeError(f"no OpenLDAP for the directory part: {reason}")
        self.server.start()
        names = [f"{PREFIX}{i:05d}" for i in range(count)]
        for name in names:
            self.server.add_user(name, password)
        seeded = self.stack.portal_json("seed", "--count", str(count), "--prefix", PREFIX,
                                        "--password", password, "--directory")
        if seeded["users"] != names:
            raise RuntimeError("the local records do not match the directory's people")
        self.names = Names(names)
        server = self.server
        env = {**self.stack.portal_env, "SSPR_DIRECTORY": "ldap",
               "SSPR_DIRECTORY_URL": server.url, "SSPR_DIRECTORY_CA_FILE": str(server.pki["ca"]),
               "SSPR_DIRECTORY_BASE_DN": server.base_dn,
               "SSPR_DIRECTORY_BIND_DN": server.service_dn,
               "SSPR_DIRECTORY_BIND_PASSWORD": server.service_password}
        port = self.stack.ports["portal-directory"] = free_port()
        self.stack.start_gunicorn("portal-directory", env, config=self.stack.web_config())
        self.stack.wait_http(port, "/healthz")
        self.portal = Portal(port, self.stack.portal_cache, seeded["totp_key"])

    def round_trips(self, name: str, times: int) -> dict:
        """Median milliseconds of each request the new-password step makes of the directory,
        sent one at a time over one bound service connection, as a web worker sends them."""
        server = self.server
        conn = admin_connection(server.url, server.service_dn, server.service_password,
                                server.pki["ca"])
        spent: dict[str, list[float]] = {"search": [], "password modify": [], "read": []}
        try:
            for _ in range(times):
                started = time.perf_counter()
                dn = conn.search_ext_s(server.base_dn, ldap.SCOPE_SUBTREE,
                                       f"(&(objectClass=inetOrgPerson)(|(uid={name})"
                                       f"(mail={name})))", ["uid", "pwdAccountLockedTime"],
                                       sizelimit=2)[0][0]
                searched = time.perf_counter()
                conn.passwd_s(dn, None, new_password(), serverctrls=[PasswordPolicyControl()])
                modified = time.perf_counter()
                conn.search_ext_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["pwdReset"])
                read = time.perf_counter()
                spent["search"].append(searched - started)
                spent["password modify"].append(modified - searched)
                spent["read"].append(read - modified)
        finally:
            conn.unbind_s()
        return {k: statistics.median(v) * 1000 for k, v in spent.items()}

    def service_connections(self) -> int:
        """TCP connections open to slapd now: the web workers' reused service connections."""
        port = f"{self.server.tls_port:04X}"
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                # remote address ends in the server's port, state 01 is ESTABLISHED
                if fields[2].endswith(f":{port}") and fields[3] == "01":
                    count += 1
        return count

    def stop(self) -> None:
        if self.portal is not None:
            self.portal.close()
        self.stack.stop("portal-directory")
        if hasattr(self.server, "process"):
            self.server.stop()
