import os
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.hashers import identify_hasher, make_password

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "sspr.settings.production",
    "DJANGO_SECRET_KEY": "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://u@localhost/sspr",
    "REDIS_URL": "redis://localhost:6379/0",
    "SSPR_BASE_URL": "https://portal.example.org",
    "EMAIL_URL": "smtp://localhost:25",
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "placeholder",
    "TWILIO_FROM_NUMBER": "+46700000000",
}


def run_with_production_settings(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SSPR_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, **PRODUCTION_ENV},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_production_settings_hash_passwords_with_argon2id_at_djangos_cost():
    encoded = run_with_production_settings(
        "from django.contrib.auth.hashers import make_password; print(make_password('pw'))"
    )
    algorithm, variant, _version, params, *_ = encoded.split("$")
    assert (algorithm, variant) == ("argon2", "argon2id")
    assert params == "m=102400,t=2,p=8"


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={"PATH": os.environ["PATH"], **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_the_test_settings_still_use_argon2id():
    assert identify_hasher(make_password("pw")).algorithm == "argon2"
    assert make_password("pw").startswith("argon2$argon2id$")


def test_outbox_page_is_not_routed_with_production_settings():
    found = run_with_production_settings(
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/dev/outbox/'); print('routed')\n"
        "except Resolver404:\n    print('absent')"
    )
    assert found == "absent"
