"""One path for every ID with a directory, in the unit tier: an LDAP server in memory stands
in for OpenLDAP (test_one_path.py runs the same comparisons against the real servers)."""

from http import HTTPStatus

import ldap
import pytest

from accounts.directory import directory, find_user
from tests.factories import UserFactory
from tests.reset.conftest import register_everything

from .stub import MemoryLdap
from .test_one_path import WRONG, signing_in, starting

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory(settings, monkeypatch):
    settings.SSPR_DIRECTORY = "ldap"
    settings.SSPR_DIRECTORY_URL = "ldaps://ldap.example.org"
    settings.SSPR_DIRECTORY_CA_FILE = "ca.pem"
    settings.SSPR_DIRECTORY_BASE_DN = "dc=example,dc=org"
    settings.SSPR_DIRECTORY_BIND_DN = "cn=portal,dc=example,dc=org"
    settings.SSPR_DIRECTORY_BIND_PASSWORD = "from-the-environment"
    server = MemoryLdap(base_dn="dc=example,dc=org", service_dn="cn=portal,dc=example,dc=org",
                        service_password="from-the-environment")
    monkeypatch.setattr(ldap, "initialize", server.initialize)
    yield server
    directory.cache_clear()


@pytest.fixture
def directory_requests(memory) -> list[str]:
    """The requests the in-memory server answered (overrides the python-ldap counter)."""
    return memory.requests


def test_a_real_an_unknown_and_a_local_id_cost_the_same_at_sign_in(memory, cost):
    memory.add_person("maja", "Juniper-Canyon-Lamp-27")
    local = UserFactory(username="break-glass")
    signing_in("maja", WRONG)()

    real = cost(signing_in("maja", WRONG))
    unknown = cost(signing_in("nobody", WRONG))
    break_glass = cost(signing_in(local.username, WRONG))

    assert real["status"] == HTTPStatus.OK
    assert real["directory"] == ["search_ext", "search_ext", "simple_bind"]
    assert real["hashes"] == 1
    assert unknown == real
    assert break_glass == real


def test_a_person_signs_in_by_binding(memory):
    memory.add_person("maja", "Juniper-Canyon-Lamp-27")
    assert signing_in("maja", "Juniper-Canyon-Lamp-27")() == HTTPStatus.FOUND


def test_a_real_and_an_unknown_id_cost_the_same_at_the_wizards_start(memory, cost):
    memory.add_person("maja", "Juniper-Canyon-Lamp-27")
    register_everything(find_user("maja"))
    for name in ("maja", "nobody"):
        starting(name)()

    real = cost(starting("maja"))
    unknown = cost(starting("nobody"))

    assert real["status"] == HTTPStatus.FOUND
    assert real["directory"] == ["search_ext", "search_ext"]
    assert unknown == real
