import pytest
from django.test import Client

from tests.admin_session import admin_login
from tests.factories import UserFactory


@pytest.fixture
def admin_user(db):
    """An administrator with every permission (pytest-django's own, with our user model)."""
    return UserFactory(username="ada", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    admin_login(client, admin_user)
    return client
