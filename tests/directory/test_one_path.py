"""One path for every ID with a directory configured (issue 11, SPEC 8.1).

A person the directory knows, an ID it does not know and a local break-glass account make
the same directory requests, the same SQL queries and the same password hashing at sign-in
and at the wizard's start, against a real OpenLDAP and a real Samba AD DC.
"""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.reset.conftest import CommittingClient, identify, register_everything, solve_captcha
from tests.reset.test_journeys import finish, pass_gate

from .test_servers import person

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

WRONG = "Wrong-Password-123"


def signing_in(name: str, password: str):
    return lambda: Client().post(reverse("accounts:sign-in"),
                                 {"username": name, "password": password}).status_code


def starting(name: str):
    client = Client()
    form = {"username": name, "mode": "reset", **solve_captcha(client)}
    return lambda: client.post(reverse("reset:identify"), form).status_code


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
