"""One client address for rate limits and the audit log, behind 0 or 1 trusted proxies."""

import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
import yaml
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.network import client_ip

ROOT = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.2"
CLIENT, OTHER_CLIENT = "198.51.100.7", "198.51.100.8"


def request(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    (0, CLIENT, None, CLIENT),
    (0, CLIENT, "203.0.113.9", CLIENT),
    (1, PROXY, CLIENT, CLIENT),
    (1, PROXY, f"203.0.113.9, {CLIENT}", CLIENT),
    (1, PROXY, f"not-an-address,{CLIENT}", CLIENT),
    (1, PROXY, "", PROXY),
    (1, PROXY, "garbage", "0.0.0.0"),  # noqa: S104 - the placeholder key, never bound to
    (2, PROXY, f"203.0.113.9, {CLIENT}, 10.0.0.1", CLIENT),
])
def test_the_client_is_the_address_the_trusted_proxies_saw(settings, proxies, remote, forwarded,
                                                            expected):
    settings.SSPR_TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(remote, forwarded)) == expected


def sign_in(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return Client().post(reverse("accounts:sign-in"),
                         {"username": "nobody-here", "password": "Wrong-password-000"},
                         REMOTE_ADDR=remote, **extra).status_code


@pytest.mark.django_db
@pytest.mark.usefixtures("steady_clock")
def test_with_no_proxy_a_forged_header_neither_escapes_nor_resets_the_bucket(settings):
    settings.SSPR_TRUSTED_PROXY_COUNT = 0
    settings.SSPR_SIGN_IN_IP_RATE = "3/m"
    statuses = [sign_in(CLIENT, f"203.0.113.{n}") for n in range(5)]
    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert sign_in(CLIENT) == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(OTHER_CLIENT) == HTTPStatus.OK


@pytest.mark.django_db
@pytest.mark.usefixtures("steady_clock")
def test_behind_one_proxy_each_client_has_its_own_bucket_whatever_it_forges(settings):
    settings.SSPR_TRUSTED_PROXY_COUNT = 1
    settings.SSPR_SIGN_IN_IP_RATE = "3/m"
    statuses = [sign_in(PROXY, f"203.0.113.{n}, {CLIENT}") for n in range(5)]
    assert statuses == [HTTPStatus.OK] * 3 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert sign_in(PROXY, CLIENT) == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(PROXY, f"{OTHER_CLIENT}, {CLIENT}") == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(PROXY, OTHER_CLIENT) == HTTPStatus.OK
    assert AuditEvent.objects.filter(ip=CLIENT).count() == 3
    assert AuditEvent.objects.filter(ip=OTHER_CLIENT).count() == 1


def test_production_trusts_one_proxy_unless_told_otherwise():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sspr.settings.production",
           "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "portal.example.org",
           "DATABASE_URL": "postgres://u@localhost/sspr", "REDIS_URL": "redis://localhost:6379/0",
           "SSPR_BASE_URL": "https://portal.example.org", "TWILIO_ACCOUNT_SID": "AC0",
           "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+46700000000"}
    env.pop("SSPR_TRUSTED_PROXY_COUNT", None)
    code = "from django.conf import settings; print(settings.SSPR_TRUSTED_PROXY_COUNT)"
    read = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True)
    assert read.stdout.strip() == "1"


def test_the_compose_file_lets_clients_in_only_through_the_one_proxy_it_trusts():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy", "mail"}
    assert "--to web:8000" in services["proxy"]["command"]
    assert services["web"]["environment"]["SSPR_TRUSTED_PROXY_COUNT"] == "1"
