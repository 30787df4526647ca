"""No input to any page, form, query string or admin filter answers with a server error.

Every URL the resolver knows is visited signed out (with a reset under way), signed in and
as staff; every field its page shows, every filter and query parameter it links to, and a
few well-known ones get hostile values. On PostgreSQL (CI) a NUL byte reaching a query
would be a 500, so the suite must run there too.
"""

import re
from collections.abc import Callable
from functools import partial
from html import unescape
from http import HTTPStatus
from itertools import product
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from accounts.reauth import mark_password_verified
from tests.admin_session import admin_login
from tests.factories import UserFactory
from tests.reset.conftest import identify

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = [
    "x" * 10_000,           # 10 kB
    "a\x00b",               # NUL: PostgreSQL refuses it in any text
    "a\r\nSet-Cookie: x=1",  # CRLF
    "١٢٣٤٥٦",               # Arabic-Indic digits
    "１２３４５６",            # full-width digits and, as look-alikes, letters
    "ａｄｍｉｎ",
    "foo",                  # next=foo: a relative URL that is no path
    "-9" + "9" * 40,        # out of every integer's range
    "2024-13-45",
]
# Parameters worth trying on every page, whatever its links say.
COMMON_PARAMETERS = ["next", "q", "p", "o", "e", "_changelist_filters", "language"]
# A value for each URL parameter, by name; pages with a wrong one must answer 404, not 500.
SAMPLES = {"method": ["sms", "questions", "authenticator", "email", "nope"], "uidb64": ["MQ"],
           "token": ["set", "nope"], "content_type_id": ["1"], "key": ["nope"]}
NAME = re.compile(r'name="([^"]+)"')
LINK = re.compile(r'href="(\?[^"]*)"')


def concrete_paths(patterns=None, prefix: str = "") -> set[str]:
    """Every path the URL resolver serves, its parameters filled with sample values."""
    paths = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        regex = pattern.pattern.regex.pattern
        for template, params in normalize(regex.removeprefix("^").removesuffix("$")):
            choices = [SAMPLES.get(p, ["1"]) for p in params]
            for values in product(*choices):
                path = prefix + template % dict(zip(params, values, strict=True))
                if isinstance(pattern, URLResolver):
                    paths |= concrete_paths(pattern.url_patterns, path)
                elif isinstance(pattern, URLPattern):
                    paths.add("/" + path)
    return paths


def parameters(html: str) -> set[str]:
    """The field names of a page's forms and the query parameters of its "?…" links."""
    found = set(NAME.findall(html)) - {"csrfmiddlewaretoken"}
    for link in LINK.findall(html):
        found |= {name for name, _ in parse_qsl(urlsplit(unescape(link)).query)}
    return found | set(COMMON_PARAMETERS)


def hostile_requests(client: Client, path: str) -> list[tuple[str, Callable]]:
    """Visit `path`; return (description, send) for each hostile request to it."""
    page = client.get(path)
    html = page.content.decode(errors="replace") if page.get("Content-Type", "").startswith(
        "text/html") else ""
    names = sorted(parameters(html))
    requests = []
    for value in [*HOSTILE, ["1", "2", "a"]]:  # the list: every key repeated
        data = dict.fromkeys(names, value)
        requests += [(f"GET {value!r:.20}", partial(client.get, path, data)),
                     (f"POST {value!r:.20}", partial(client.post, path, data))]
    return requests


def signed_out() -> Client:
    client = Client()
    identify(client, UserFactory().username)
    return client


def signed_in(**flags) -> Client:
    client = Client()
    user = UserFactory(**flags)
    # Staff pass the administration's second factor too, so its pages are reached.
    admin_login(client, user) if user.is_staff else client.force_login(user)
    request = client.get("/account/").wsgi_request
    mark_password_verified(request)
    request.session.save()
    return client


def worth_fuzzing(path: str, role: str) -> bool:
    """Skip what only repeats another page, or ends the role's session."""
    if path.startswith("/admin/"):
        # Signed out or in, the administration is one redirect to its sign-in page.
        return role == "staff" and not path.endswith(("/delete/", "/history/", "/logout/"))
    return "/sign-out/" not in path


@pytest.mark.parametrize("role", ["signed out", "signed in", "staff"])
def test_no_input_anywhere_is_a_server_error(role):
    client = {"signed out": signed_out,
              "signed in": signed_in,
              "staff": lambda: signed_in(is_staff=True, is_superuser=True)}[role]()
    errors = []
    for path in sorted(p for p in concrete_paths() if worth_fuzzing(p, role)):
        try:
            requests = hostile_requests(client, path)
        except Exception as error:  # a server error: the test client raises it
            errors.append(f"GET {path}: {type(error).__name__}: {error}"[:300])
            continue
        for description, send in requests:
            # Rate limits would soon answer every request alike; each must reach the page.
            cache.clear()
            try:
                send()
            except Exception as error:
                errors.append(f"{description} {path}: {type(error).__name__}: {error}"[:300])
    assert client.get("/admin/").status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    assert client.post("/sign-out/").status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    assert errors == [], "\n".join(errors)
