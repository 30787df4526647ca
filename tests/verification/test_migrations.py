"""Data migrations, run forward on rows written by the code before them."""

import importlib

import pytest
from django.apps import apps

from verification.models import ContactMethod

pytestmark = pytest.mark.django_db

normalise_email_destinations = importlib.import_module(
    "verification.migrations.0006_normalise_email_destinations")


def test_registered_addresses_are_normalised_as_the_gate_compares_them(user):
    stored = ContactMethod.objects.create(user=user, kind="email",
                                          destination="anna@xn--exmple-cua.org")
    phone = ContactMethod.objects.create(user=user, kind="phone", destination="+46701740605")

    normalise_email_destinations.normalise(apps, None)

    stored.refresh_from_db()
    phone.refresh_from_db()
    assert stored.destination == "anna@exämple.org"
    assert phone.destination == "+46701740605"
