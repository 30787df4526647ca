import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with no rate-limit counters left by another (Redis outlives tests)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _development_outbox(settings):
    """Keep mail in the development outbox, where tests read it as a person would.

    Django's test runner swaps in its in-memory backend; the outbox is what the settings say.
    """
    settings.EMAIL_BACKEND = "verification.senders.outbox.OutboxEmailBackend"
