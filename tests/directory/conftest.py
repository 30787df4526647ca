import itertools

import pytest

from accounts import directory as directories
from tests.integration.conftest import unavailable

from .servers import SambaDC, Slapd, available

SERVERS = {"ldap": Slapd, "ad": SambaDC}
names = itertools.count(1)


@pytest.fixture
def failing(settings, monkeypatch):
    """The configured directory is a FailingDirectory; returns it."""
    monkeypatch.setitem(directories.BACKENDS, "failing", "tests.directory.stub.FailingDirectory")
    settings.SSPR_DIRECTORY = "failing"
    yield directories.directory()
    directories.directory.cache_clear()


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
