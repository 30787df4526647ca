"""Fixtures of the administrator's reset job tests (tests/accounts and tests/directory)."""

import pytest

from tests.accounts.test_authority import staff_with
from tests.factories import UserFactory


@pytest.fixture
def job_run_here(monkeypatch):
    """The test runs the job itself, as the worker would."""
    monkeypatch.setattr("accounts.resets.start.enqueue_job", lambda job_id, **kwargs: None)


@pytest.fixture
def ada():
    return UserFactory(username="ada", is_staff=True, is_superuser=True)


@pytest.fixture
def helpdesk():
    return staff_with("view_user", "change_user", "reset_password", username="helga")
