"""One path for every ID with a directory configured (issue 11, SPEC 8.1).

A person the directory knows, an ID it does not know and a local break-glass account make
the same directory requests, the same SQL queries and the same password hashing at sign-in
and at the wizard's start, against a real OpenLDAP and a real Samba AD DC.
"""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from ldap.ldapobject import SimpleLDAPObject

from tests.factories import PASSWORD, UserFactory
from tests.reset.conftest import CommittingClient, identify, register_everything, solve_captcha
from tests.reset.test_journeys import finish, pass_gate

from .test_servers import person

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

WRONG = "Wrong-Password-123"


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


def signing_in(name: str, password: str):
    return lambda: Client().post(reverse("accounts:sign-in"),
                                 {"username": name, "password": password}).status_code


def test_a_real_an_unknown_and_a_local_id_cost_the_same_at_sign_in(configured, new_name, cost):
    person(configured, new_name)
    local = UserFactory(username=f"{new_name}-local")
    signing_in(new_name, WRONG)()  # the service connection is open and the record synced

    real = cost(signing_in(new_name, WRONG))
    unknown = cost(signing_in(f"{new_name}-nobody", WRONG))
    break_glass = cost(signing_in(local.username, WRONG))

    assert real["status"] == HTTPStatus.OK
    assert real["directory"].count("simple_bind") == 1
    assert real["hashes"] == 1
    assert unknown == real
    assert break_glass == real


def test_a_local_break_glass_account_still_signs_in_with_a_directory(configured, new_name):
    local = UserFactory(username=f"{new_name}-local")
    response = Client().post(reverse("accounts:sign-in"),
                             {"username": local.username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND


def test_a_real_and_an_unknown_id_cost_the_same_at_the_wizards_start(configured, new_name,
                                                                       cost):
    _, user = person(configured, new_name)
    register_everything(user)

    def starting(name):
        client = Client()
        form = {"username": name, "mode": "reset", **solve_captcha(client)}
        return lambda: client.post(reverse("reset:identify"), form).status_code

    unknown_name = f"{new_name}-nobody"
    for name in (new_name, unknown_name):  # the policy row exists, the record is in step
        starting(name)()

    real = cost(starting(new_name))
    unknown = cost(starting(unknown_name))

    assert real["status"] == HTTPStatus.FOUND
    assert real["directory"].count("search_ext") == 2  # the person, then their groups
    assert unknown == real


def test_the_new_password_step_hashes_nothing_with_a_directory(configured, new_name, cost):
    """The directory keeps the password and its history: no Argon2 work is left to the portal
    (issue 12, Performance), only the directory's own."""
    _, user = person(configured, new_name)
    register_everything(user)
    client = CommittingClient()
    identify(client, new_name)
    pass_gate(client, user, "authenticator")

    spent = cost(lambda: finish(client)["Location"])

    assert spent["status"] == reverse("reset:done")
    assert spent["hashes"] == 0
    # Searches aside (the entry; ppolicy's pwdReset, AD's supported controls), one write:
    # Password Modify on OpenLDAP, a unicodePwd modify on AD.
    writes = [r for r in spent["directory"] if r != "search_ext"]
    assert writes == {"ldap": ["passwd"], "ad": ["modify_ext"]}[configured.kind]
