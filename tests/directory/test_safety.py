"""What the LDAP and AD backends refuse or escape before any server is asked (unit tier)."""

import ldap
import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts.directory import directory
from accounts.directory.ldap import ad_code


@pytest.fixture
def ldap_settings(settings):
    settings.SSPR_DIRECTORY = "ldap"
    settings.SSPR_DIRECTORY_URL = "ldaps://ldap.example.org"
    settings.SSPR_DIRECTORY_CA_FILE = "/etc/ssl/certs/ca.pem"
    settings.SSPR_DIRECTORY_BASE_DN = "dc=example,dc=org"
    settings.SSPR_DIRECTORY_BIND_DN = "cn=portal,dc=example,dc=org"
    settings.SSPR_DIRECTORY_BIND_PASSWORD = "from-the-environment"
    return settings


@pytest.mark.parametrize("url", ["ldapi:///", "http://ldap.example.org", "cldap://127.0.0.1",
                                 "ldap.example.org"])
def test_anything_but_ldaps_or_starttls_is_refused_by_the_portal(ldap_settings, url):
    ldap_settings.SSPR_DIRECTORY_URL = url
    with pytest.raises(ImproperlyConfigured):
        directory()


def test_plain_ldap_urls_always_start_tls(ldap_settings):
    ldap_settings.SSPR_DIRECTORY_URL = "ldap://ldap.example.org:389"
    assert directory().start_tls


@pytest.mark.parametrize("missing", ["SSPR_DIRECTORY_CA_FILE", "SSPR_DIRECTORY_BIND_PASSWORD"])
def test_no_ca_or_no_service_password_is_refused(ldap_settings, missing):
    setattr(ldap_settings, missing, "")
    with pytest.raises(ImproperlyConfigured):
        directory()


@pytest.mark.parametrize(("typed", "escaped"), [
    ("*", r"\2a"), ("a*)(uid=*", r"a\2a\29\28uid=\2a"), ("\\", r"\5c"), ("a\x00b", r"a\00b"),
    ("(|(objectClass=*))", r"\28|\28objectClass=\2a\29\29"),
])
def test_every_typed_id_is_escaped_in_the_filter(ldap_settings, typed, escaped):
    query = directory()._search_filter(typed)
    assert query == f"(&(objectClass=inetOrgPerson)(|(uid={escaped})(mail={escaped})))"


@pytest.mark.parametrize(("info", "parsed"), [
    ("0000052D: Constraint violation - check_password_restrictions: too short", ("0000052D", "")),
    ("0000052D: AtrErr: DSID-03190F80, #1:", ("0000052D", "")),
    ("80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 773, v1db1",
     ("80090308", "773")),
    ("", ("", "")),
])
def test_only_the_code_and_data_of_an_ad_refusal_are_read(info, parsed):
    assert ad_code(ldap.INVALID_CREDENTIALS({"info": info})) == parsed
