import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ldap.ldapobject import SimpleLDAPObject

from accounts import directory as directories

# The real servers (`server`, `configured`, `new_name`) are in fixtures.py, shared with e2e.


@pytest.fixture
def failing(settings, monkeypatch):
    """The configured directory is a FailingDirectory; returns it."""
    monkeypatch.setitem(directories.BACKENDS, "failing", "tests.directory.stub.FailingDirectory")
    settings.SSPR_DIRECTORY = "failing"
    yield directories.directory()
    directories.directory.cache_clear()


@pytest.fixture
def directory_requests(monkeypatch) -> list[str]:
    """Every request python-ldap sends while the test runs (searches, binds, writes)."""
    requests = []
    for name in ("search_ext", "simple_bind", "modify_ext", "passwd", "start_tls_s"):
        original = getattr(SimpleLDAPObject, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            requests.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(SimpleLDAPObject, name, counted)
    return requests


@pytest.fixture
def cost(directory_requests, argon2_operations):
    """What `action` costs: its status, directory requests, SQL queries and Argon2 hashes
    (storing one and checking one are the same work)."""

    def measure(action) -> dict:
        directory_requests.clear()
        argon2_operations.clear()
        with CaptureQueriesContext(connection) as queries:
            status = action()
        return {"status": status, "directory": list(directory_requests),
                "queries": len(queries), "hashes": len(argon2_operations)}

    return measure
