import pytest
from django.urls import reverse

from accounts.reauth import mark_password_verified
from tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory(username="vera", email="vera@example.org")


@pytest.fixture
def signed_in(client, user):
    """A client signed in as `user` who typed their password just now."""
    client.force_login(user)
    session = client.session
    request = type("Request", (), {"session": session})()
    mark_password_verified(request)
    session.save()
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block queues on commit (the tasks), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def setup_url():
    return reverse("verification:setup")
