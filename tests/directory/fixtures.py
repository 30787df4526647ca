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


def start(kind: str, tmp_path_factory):
    reason = available(kind)
    if reason:
        unavailable(reason)
    server = SERVERS[kind](tmp_path_factory.mktemp(kind))
    server.start()
    return server


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    """A real OpenLDAP with ppolicy, started from nothing, for the whole session."""
    server = start("ldap", tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def samba(tmp_path_factory):
    """A real Samba AD DC, started from nothing, for the whole session."""
    server = start("ad", tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(params=["ldap", "ad"])
def server(request):
    """Each server in turn. The parameter is the test's, not the session fixtures': pytest
    regroups tests by a session fixture's parameters, which would pull the browser tier's
    transactional tests in among the others, and their flush would empty the tables the
    migrations seed for the tests after them."""
    return request.getfixturevalue({"ldap": "slapd", "ad": "samba"}[request.param])


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
