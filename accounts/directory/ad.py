"""Active Directory (and Samba as an AD domain controller), through python-ldap.

Passwords go in unicodePwd, quoted and UTF-16-LE encoded, over TLS only (AD refuses them
otherwise, and the portal never tries). A reset is a REPLACE by the service account, sent
with the policy-hints control when the server advertises it so that history and the rest of
the domain policy apply; a change is the DELETE old + ADD new pair, which the server checks
against the old password and the whole policy. Refusals are read from the leading 8-hex code
and the "data NNN" part only: the wording differs between Windows and Samba versions.
"""

import ldap
from ldap.controls import LDAPControl

from .base import DirectoryError, DirectoryUnavailable, PasswordRefused, WrongPassword
from .ldap import UNREACHABLE, LdapDirectory, _unknowable_password, ad_code

# LDAP_SERVER_POLICY_HINTS (2012 R2 and later; the older OID is the deprecated draft).
POLICY_HINTS_OIDS = ("1.2.840.113556.1.4.2239", "1.2.840.113556.1.4.2066")
POLICY_HINTS_ON = b"\x30\x03\x02\x01\x01"  # SEQUENCE { INTEGER 1 }
# userAccountControl and msDS-User-Account-Control-Computed bits.
ACCOUNTDISABLE, LOCKOUT = 0x2, 0x10
# Bind refusals ("data NNN") that still prove the password: the person must change it.
MUST_CHANGE = {"773", "532"}
# Constraint violations: 0000052D the policy refused the password, 00000056 wrong old one.
POLICY_REFUSAL, WRONG_OLD_PASSWORD = "0000052D", "00000056"
COMPUTED = "msDS-User-Account-Control-Computed"


def unicode_pwd(password: str) -> bytes:
    return f'"{password}"'.encode("utf-16-le")


class ActiveDirectory(LdapDirectory):
    name = "ad"
    id_attributes = ("sAMAccountName", "userPrincipalName", "mail")
    user_filter = "(&(objectCategory=person)(objectClass=user))"
    attributes = {"username": "sAMAccountName", "email": "mail", "first_name": "givenName",
                  "last_name": "sn", "display_name": "displayName", "phone": "telephoneNumber"}
    state_attributes = ("userAccountControl",)
    # Nested groups too (LDAP_MATCHING_RULE_IN_CHAIN).
    group_filter = "(&(objectClass=group)(member:1.2.840.113556.1.4.1941:={dn}))"

    def _translate(self, error: ldap.LDAPError) -> DirectoryError:
        code, _ = ad_code(error)
        if code == WRONG_OLD_PASSWORD:
            return WrongPassword()
        if code == POLICY_REFUSAL:
            return PasswordRefused()
        return super()._translate(error)

    def _enabled(self, attrs: dict) -> bool:
        control = attrs.get("userAccountControl", [b"0"])[0]
        return not int(control) & ACCOUNTDISABLE

    def _policy_hints(self) -> list[LDAPControl]:
        """The policy-hints control, only if the server says it supports it (Samba doesn't)."""
        if getattr(self._local, "hints", None) is None:
            root = self._run(lambda conn: conn.search_ext_s(
                "", ldap.SCOPE_BASE, "(objectClass=*)", ["supportedControl"]))
            supported = {v.decode() for v in root[0][1].get("supportedControl", [])}
            self._local.hints = [LDAPControl(oid, True, POLICY_HINTS_ON)
                                 for oid in POLICY_HINTS_OIDS if oid in supported][:1]
        return self._local.hints

    def _bind(self, dn: str, password: str) -> tuple[bool, bool]:
        try:
            conn = self._connect()
            try:
                conn.simple_bind_s(dn, password)
            finally:
                conn.unbind_s()
        except ldap.INVALID_CREDENTIALS as error:
            must_change = ad_code(error)[1] in MUST_CHANGE
            return must_change, must_change
        except UNREACHABLE:
            raise DirectoryUnavailable from None
        return True, False

    def set_password(self, user, password: str | None, *, must_change: bool = False) -> None:
        dn = self._dn(user)
        new = unicode_pwd(password or _unknowable_password())
        hints = self._policy_hints()
        # pwdLastSet: 0 makes the next sign-in ask for a new password; -1 stamps it now.
        self._run(lambda conn: conn.modify_ext_s(
            dn, [(ldap.MOD_REPLACE, "unicodePwd", [new]),
                 (ldap.MOD_REPLACE, "pwdLastSet", [b"0" if must_change else b"-1"])],
            serverctrls=hints))

    def change_password(self, user, old_password: str, new_password: str) -> None:
        """DELETE old + ADD new: the server checks the old password and its full policy.

        Sent by the service account ("Change Password" is granted to Everyone), so it also
        works when the person cannot bind because they must change their password first.
        """
        dn = self._dn(user)
        self._run(lambda conn: conn.modify_ext_s(
            dn, [(ldap.MOD_DELETE, "unicodePwd", [unicode_pwd(old_password)]),
                 (ldap.MOD_ADD, "unicodePwd", [unicode_pwd(new_password)])]))

    def require_change(self, user) -> None:
        dn = self._dn(user)
        self._run(lambda conn: conn.modify_ext_s(dn, [(ldap.MOD_REPLACE, "pwdLastSet", [b"0"])]))

    def unlock(self, user) -> None:
        dn = self._dn(user)
        if self._locked(dn):
            self._run(lambda conn: conn.modify_ext_s(
                dn, [(ldap.MOD_REPLACE, "lockoutTime", [b"0"])]))

    def is_locked(self, user) -> bool:
        found = self._lookup(user.username)
        return found is not None and self._locked(found[0])

    def _locked(self, dn: str) -> bool:
        # A constructed attribute, only returned on a base search; it honours the lockout
        # duration, which lockoutTime alone does not.
        computed = self._read(dn, [COMPUTED]).get(COMPUTED, [b"0"])[0]
        return bool(int(computed) & LOCKOUT)
