"""The real directory servers as session-wide fixtures, for tests/directory and tests/e2e.

A plugin (registered in tests/conftest.py) rather than a conftest of either folder, so that
both tiers share one instance of each server: Samba's LDAP ports are fixed, so the whole
suite starts it at most once.
"""

import itertools

import pytest

from accounts import directory as directories
from bench.directories import SambaDC, Slapd, available
from tests.integration.conftest import unavailable

SERVERS = {"ldap": Slapd, "ad": SambaDC}
names = itertools.count(1)


@pytest.fixture(scope="session", params=["ldap", "ad"])
def server(request, tmp_path_factory):
    """A real OpenLDAP with ppolicy, then a real Samba AD DC, started from nothing."""
    reason = available(request.param)
    if reason:
        unavailable(reason)
    server = SERVERS[request.param](tmp_path_factory.mktemp(request.param))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def configured(server, settings):
    """The portal pointed at `server` with environment-style settings alone."""
    settings.SSPR_DIRECTORY = server.kind
    settings.SSPR_DIRECTORY_URL = server.url
    settings.SSPR_DIRECTORY_CA_FILE = str(server.pki["ca"])
    settings.SSPR_DIRECTORY_BASE_DN = server.base_dn
    settings.SSPR_DIRECTORY_BIND_DN = server.service_dn
    settings.SSPR_DIRECTORY_BIND_PASSWORD = server.service_password
    yield server
    directories.directory.cache_clear()


@pytest.fixture
def new_name(server):
    """A user name no other test has used on this server (the servers live all session)."""
    return f"{server.kind}user{next(names)}"
