"""Seed the stock project's users and make their one-time reset links.

Run as `python -m bench.stock.seed COUNT PASSWORD` with the stock settings; prints JSON.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.stock.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.auth.tokens import default_token_generator  # noqa: E402
from django.utils.encoding import force_bytes  # noqa: E402
from django.utils.http import urlsafe_base64_encode  # noqa: E402


def main() -> None:
    count, password = int(sys.argv[1]), sys.argv[2]
    hashed = make_password(password)
    users = User.objects.bulk_create(
        User(username=f"bench-{i:05d}", email=f"bench-{i:05d}@example.org", password=hashed)
        for i in range(count))
    links = {u.username: (f"/accounts/reset/{urlsafe_base64_encode(force_bytes(u.pk))}/"
                          f"{default_token_generator.make_token(u)}/") for u in users}
    json.dump({"users": [u.username for u in users], "links": links}, sys.stdout)


if __name__ == "__main__":
    main()
