"""OpenLDAP's slapd with the password policy overlay, on free ports, from nothing."""

import shutil
import subprocess
from pathlib import Path

import ldap

from .common import (
    HOST,
    DirectoryServer,
    admin_connection,
    free_port,
    make_pki,
    stop,
    wait_for_port,
)

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
