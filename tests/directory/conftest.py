import pytest

from accounts import directory as directories


@pytest.fixture
def failing(settings, monkeypatch):
    """The configured directory is a FailingDirectory; returns it."""
    monkeypatch.setitem(directories.BACKENDS, "failing", "tests.directory.stub.FailingDirectory")
    settings.SSPR_DIRECTORY = "failing"
    yield directories.directory()
    directories.directory.cache_clear()
