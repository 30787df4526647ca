import pytest

from accounts import directory as directories

# The real servers (`server`, `configured`, `new_name`) are in fixtures.py, shared with e2e.


@pytest.fixture
def failing(settings, monkeypatch):
    """The configured directory is a FailingDirectory; returns it."""
    monkeypatch.setitem(directories.BACKENDS, "failing", "tests.directory.stub.FailingDirectory")
    settings.SSPR_DIRECTORY = "failing"
    yield directories.directory()
    directories.directory.cache_clear()
