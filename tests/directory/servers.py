"""Real directory servers for the integration tier: OpenLDAP with ppolicy, and Samba as an
AD domain controller, each started from nothing under one scratch folder and stopped after.

Both verify TLS against a throwaway CA made here, with 127.0.0.1 in the certificate's
subjectAltName (libldap checks "localhost" against the machine's host name instead).
"""

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import ldap
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}: {log.read_text(errors='replace')[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_pki(folder: Path) -> dict[str, Path]:
    """A CA and a server certificate for 127.0.0.1 and localhost; key files mode 0600."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key, server_key = key(), key()
    ca = (x509.CertificateBuilder().subject_name(name("Test CA")).issuer_name(name("Test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder().subject_name(name("dc1.example.test"))
              .issuer_name(ca.subject).public_key(server_key.public_key())
              .serial_number(x509.random_serial_number())
              .not_valid_before(now - datetime.timedelta(days=1))
              .not_valid_after(now + datetime.timedelta(days=2))
              .add_extension(x509.SubjectAlternativeName([
                  x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                  critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    paths["key"].chmod(0o600)
    return paths


def admin_connection(url: str, who: str, password: str, ca: Path):
    conn = ldap.initialize(url)
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 10)
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    conn.set_option(ldap.OPT_X_TLS_CACERTFILE, str(ca))
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    conn.simple_bind_s(who, password)
    return conn


# --- OpenLDAP ---------------------------------------------------------------------------

SUFFIX = "dc=example,dc=org"
PORTAL_DN, PORTAL_PASSWORD = f"cn=portal,{SUFFIX}", "portal-secret"
ROOT_DN, ROOT_PASSWORD = f"cn=admin,{SUFFIX}", "admin-secret"
SCHEMA = Path("/etc/ldap/schema")

# The portal's account may write userPassword (not manage it: ppolicy then checks every
# password it sets, as for the person), and manage the two state attributes it clears.
SLAPD_CONFIG = """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcTLSCACertificateFile: {ca}
olcTLSCertificateFile: {cert}
olcTLSCertificateKeyFile: {key}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: ppolicy

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://{schema}/core.ldif
include: file://{schema}/cosine.ldif
include: file://{schema}/nis.ldif
include: file://{schema}/inetorgperson.ldif

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcRootDN: {root_dn}
olcRootPW: {root_pw}
olcDbDirectory: {data}
olcDbMaxSize: 104857600
olcAccess: to attrs=userPassword by dn.exact="{portal}" write by self write
  by anonymous auth by * none
olcAccess: to attrs=pwdReset,pwdAccountLockedTime by dn.exact="{portal}" manage
  by self read by * none
olcAccess: to * by dn.exact="{portal}" read by self read by * none

dn: olcOverlay={{0}}ppolicy,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcPPolicyConfig
olcOverlay: {{0}}ppolicy
olcPPolicyDefault: cn=default,ou=policies,{suffix}
olcPPolicyHashCleartext: TRUE
olcPPolicyUseLockout: TRUE
"""

SLAPD_DATA = """\
dn: {suffix}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,{suffix}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{suffix}
objectClass: organizationalUnit
ou: groups

dn: ou=policies,{suffix}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,{suffix}
objectClass: person
objectClass: pwdPolicy
cn: default
sn: default
pwdAttribute: userPassword
pwdMaxFailure: 3
pwdLockout: TRUE
pwdLockoutDuration: 0
pwdInHistory: 5
pwdMustChange: TRUE
pwdAllowUserChange: TRUE
pwdCheckQuality: 2
pwdMinLength: {min_length}

dn: {portal}
objectClass: person
cn: portal
sn: portal
userPassword: {portal_pw}
"""


class DirectoryServer:
    """What both test servers share: reading an entry as their administrator."""

    def read(self, dn: str, *names: str) -> dict:
        conn = self.admin()
        found = conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", list(names))
        conn.unbind_s()
        return {k: [v.decode() for v in vs] for k, vs in found[0][1].items()}


class Slapd(DirectoryServer):
    """slapd with ppolicy on a free port: ldaps:// and ldap:// (StartTLS) on 127.0.0.1."""

    kind = "ldap"
    base_dn = SUFFIX
    people = f"ou=people,{SUFFIX}"
    service_dn, service_password = PORTAL_DN, PORTAL_PASSWORD
    # Longer than the portal's own minimum, so the directory's own check can be seen.
    min_length = 16

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pki = make_pki(folder / "pki")
        self.port, self.tls_port = free_port(), free_port()
        self.url = f"ldaps://{HOST}:{self.tls_port}"
        self.starttls_url = f"ldap://{HOST}:{self.port}"

    def start(self) -> None:
        config, data = self.folder / "slapd.d", self.folder / "data"
        for path in (config, data):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
        values = {"suffix": SUFFIX, "root_dn": ROOT_DN, "root_pw": ROOT_PASSWORD,
                  "portal": PORTAL_DN, "portal_pw": PORTAL_PASSWORD, "data": data,
                  "schema": SCHEMA, "min_length": self.min_length,
                  **{k: str(v) for k, v in self.pki.items()}}
        for number, template in ((0, SLAPD_CONFIG), (1, SLAPD_DATA)):
            subprocess.run(["slapadd", f"-n{number}", "-F", str(config)],
                           input=template.format(**values).encode(), check=True,
                           capture_output=True)
        self.launch()

    def launch(self) -> None:
        log = self.folder / "slapd.log"
        self.process = subprocess.Popen(
            ["slapd", "-d", "0", "-F", str(self.folder / "slapd.d"),
             "-h", f"ldap://{HOST}:{self.port}/ ldaps://{HOST}:{self.tls_port}/"],
            stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        wait_for_port(self.tls_port, self.process, log)

    def stop(self) -> None:
        stop(self.process)

    def restart(self) -> None:
        self.launch()

    def admin(self):
        return admin_connection(self.url, ROOT_DN, ROOT_PASSWORD, self.pki["ca"])

    def add_user(self, uid: str, password: str, *, mail: str = "", disabled: bool = False,
                 phone: str = "") -> str:
        dn = f"uid={ldap.dn.escape_dn_chars(uid)},{self.people}"
        attrs = [("objectClass", [b"inetOrgPerson"]), ("uid", [uid.encode()]),
                 ("cn", [f"{uid.title()} Tester".encode()]), ("sn", [b"Tester"]),
                 ("givenName", [uid.title().encode()]),
                 ("mail", [(mail or f"{uid}@example.org").encode()]),
                 ("userPassword", [password.encode()])]
        if phone:
            attrs.append(("telephoneNumber", [phone.encode()]))
        conn = self.admin()
        conn.add_s(dn, attrs)
        if disabled:
            conn.modify_s(dn, [(ldap.MOD_REPLACE, "pwdAccountLockedTime", [b"000001010000Z"])])
        conn.unbind_s()
        return dn

    def add_group(self, name: str, members: list[str]) -> None:
        conn = self.admin()
        conn.add_s(f"cn={name},ou=groups,{SUFFIX}", [
            ("objectClass", [b"groupOfNames"]), ("cn", [name.encode()]),
            ("member", [m.encode() for m in members])])
        conn.unbind_s()



# --- Samba AD DC --------------------------------------------------------------------------

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


def available(kind: str) -> str:
    """Empty when this machine can run `kind`'s server here; otherwise why not."""
    needed = {"ldap": ["slapd", "slapadd"], "ad": ["samba", "samba-tool"]}[kind]
    missing = [b for b in needed if not (shutil.which(b) or shutil.which(b, path="/usr/sbin"))]
    if missing:
        return f"{', '.join(missing)} not installed"
    if kind == "ad" and os.geteuid() != 0:
        return "Samba's LDAP ports (389, 636) need root"
    return ""


__all__ = ["SambaDC", "Slapd", "available"]
