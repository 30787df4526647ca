"""Samba as an Active Directory domain controller (LDAP only), from nothing.

Its LDAP ports are fixed (389 and 636 on 127.0.0.1), so one runs on a machine at a time.
"""

import shutil
import subprocess
from pathlib import Path

import ldap

from .common import HOST, DirectoryServer, admin_connection, make_pki, stop, wait_for_port

REALM, DOMAIN = "EXAMPLE.TEST", "EXAMPLE"
AD_BASE = "DC=example,DC=test"
AD_ADMIN, AD_ADMIN_PASSWORD = f"Administrator@{REALM.lower()}", "Adm1n!Passw0rd"
SVC_PASSWORD = "Svc-Portal-Passw0rd!"
USER_CLASS = "bf967aba-0de6-11d0-a285-00aa003049e2"
# Reset Password (extended right), write pwdLastSet, read and write lockoutTime.
DELEGATED = ["(OA;CIIO;CR;00299570-246d-11d0-a768-00aa006e0529;{cls};{sid})",
             "(OA;CIIO;WP;bf967a0a-0de6-11d0-a285-00aa003049e2;{cls};{sid})",
             "(OA;CIIO;WP;28630ebf-41d5-11d1-a9c1-0000f80367c1;{cls};{sid})",
             "(OA;CIIO;RP;28630ebf-41d5-11d1-a9c1-0000f80367c1;{cls};{sid})"]

SMB_CONF = """\
[global]
    netbios name = DC1
    realm = {realm}
    workgroup = {domain}
    server role = active directory domain controller
    server services = ldap
    interfaces = lo
    bind interfaces only = yes
    private dir = {s}/private
    lock directory = {s}
    state directory = {s}/state
    cache directory = {s}/cache
    pid directory = {s}/run
    ncalrpc dir = {s}/run/ncalrpc
    winbindd socket directory = {s}/run/winbindd
    ntp signd socket directory = {s}/run/ntp_signd
    binddns dir = {s}/bind-dns
    log file = {s}/log/%m.log
    usershare path = {s}/usershares
    smb passwd file = {s}/private/smbpasswd
    dns forwarder = 127.0.0.1
    tls enabled = yes
    tls keyfile = {key}
    tls certfile = {cert}
    tls cafile = {ca}
    # Samba lets an old password bind for an hour after a change; AD's LDAP does not.
    old password allowed period = 0

[sysvol]
    path = {s}/state/sysvol
    read only = No

[netlogon]
    path = {s}/state/sysvol/{realm_lower}/scripts
    read only = No
"""


class SambaDC(DirectoryServer):
    """Samba as an AD DC (LDAP only). Its LDAP ports are fixed: 389 and 636 on 127.0.0.1."""

    kind = "ad"
    base_dn = AD_BASE
    people = f"OU=Staff,{AD_BASE}"
    service_dn = f"CN=svc-portal,OU=Service,{AD_BASE}"
    service_password = SVC_PASSWORD
    url = f"ldaps://{HOST}:636"
    starttls_url = f"ldap://{HOST}:389"
    lockout_threshold = 3
    # Longer than the portal's own minimum, so the directory's own check can be seen; AD
    # allows at most 14.
    min_length = 14

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.s = folder / "samba"
        self.pki = make_pki(folder / "pki")

    def _tool(self, *args: str) -> None:
        subprocess.run(["samba-tool", *args, "-H", str(self.s / "private" / "sam.ldb"),
                        "-s", str(self.s / "etc" / "smb.conf")],
                       check=True, capture_output=True)

    def start(self) -> None:
        shutil.rmtree(self.s, ignore_errors=True)
        subprocess.run(
            ["samba-tool", "domain", "provision", f"--targetdir={self.s}", f"--realm={REALM}",
             f"--domain={DOMAIN}", "--server-role=dc", "--dns-backend=SAMBA_INTERNAL",
             f"--adminpass={AD_ADMIN_PASSWORD}", "--host-name=dc1", f"--host-ip={HOST}",
             "--option=interfaces = lo", "--option=bind interfaces only = yes"],
            check=True, capture_output=True)
        for sub in ("run", "log", "cache", "usershares"):
            (self.s / sub).mkdir(exist_ok=True)
        (self.s / "etc" / "smb.conf").write_text(SMB_CONF.format(
            realm=REALM, domain=DOMAIN, s=self.s, realm_lower=REALM.lower(),
            **{k: str(v) for k, v in self.pki.items()}))
        self._tool("domain", "passwordsettings", "set",
                   f"--account-lockout-threshold={self.lockout_threshold}", "--min-pwd-age=0",
                   f"--min-pwd-length={self.min_length}")
        self.launch()
        self._service_account()

    def launch(self) -> None:
        log = self.folder / "samba.log"
        self.process = subprocess.Popen(
            ["samba", "-i", "-M", "single", "-s", str(self.s / "etc" / "smb.conf"),
             "--debug-stdout"],
            stdin=subprocess.PIPE, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        wait_for_port(636, self.process, log, timeout=60)

    def stop(self) -> None:
        stop(self.process)

    def restart(self) -> None:
        self.launch()

    def admin(self):
        return admin_connection(self.url, AD_ADMIN, AD_ADMIN_PASSWORD, self.pki["ca"])

    def _service_account(self) -> None:
        conn = self.admin()
        for ou in ("Staff", "Service"):
            conn.add_s(f"OU={ou},{AD_BASE}", [("objectClass", [b"organizationalUnit"])])
        conn.add_s(self.service_dn, [
            ("objectClass", [b"user"]), ("sAMAccountName", [b"svc-portal"]),
            ("unicodePwd", [f'"{SVC_PASSWORD}"'.encode("utf-16-le")]),
            ("userAccountControl", [b"66048"])])  # enabled, password never expires
        raw = conn.search_s(self.service_dn, ldap.SCOPE_BASE, "(objectClass=*)",
                            ["objectSid"])[0][1]["objectSid"][0]
        conn.unbind_s()
        sid = sid_string(raw)
        for ace in DELEGATED:
            self._tool("dsacl", "set", f"--objectdn={self.people}",
                       f"--sddl={ace.format(cls=USER_CLASS, sid=sid)}")

    def add_user(self, name: str, password: str, *, mail: str = "", disabled: bool = False,
                 phone: str = "") -> str:
        dn = f"CN={ldap.dn.escape_dn_chars(name)},{self.people}"
        attrs = [("objectClass", [b"user"]), ("sAMAccountName", [name.encode()]),
                 ("userPrincipalName", [f"{name}@{REALM.lower()}".encode()]),
                 ("givenName", [name.title().encode()]), ("sn", [b"Tester"]),
                 ("displayName", [f"{name.title()} Tester".encode()]),
                 ("mail", [(mail or f"{name}@example.test").encode()]),
                 ("unicodePwd", [f'"{password}"'.encode("utf-16-le")]),
                 ("userAccountControl", [b"514" if disabled else b"512"])]
        if phone:
            attrs.append(("telephoneNumber", [phone.encode()]))
        conn = self.admin()
        conn.add_s(dn, attrs)
        conn.unbind_s()
        return dn

    def add_group(self, name: str, members: list[str]) -> None:
        conn = self.admin()
        conn.add_s(f"CN={name},{self.people}", [
            ("objectClass", [b"group"]), ("sAMAccountName", [name.encode()]),
            ("member", [m.encode() for m in members])])
        conn.unbind_s()


def sid_string(raw: bytes) -> str:
    """S-1-5-21-… from objectSid's binary form (MS-DTYP 2.4.2.2)."""
    revision, count = raw[0], raw[1]
    authority = int.from_bytes(raw[2:8], "big")
    subs = [int.from_bytes(raw[8 + 4 * i:12 + 4 * i], "little") for i in range(count)]
    return "-".join(["S", str(revision), str(authority), *map(str, subs)])
