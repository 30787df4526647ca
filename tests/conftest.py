import time
from contextlib import contextmanager

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from verification.models import SecurityQuestion
from verification.questions import PREDEFINED_QUESTIONS

# The real directory servers, one of each for the whole session (tests/directory, tests/e2e).
pytest_plugins = ["tests.directory.fixtures", "tests.admin_jobs"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start every test with no rate-limit counters left by another (Redis outlives tests)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Start in English: a request in Swedish leaves its language active in the thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _development_outbox(settings):
    """Keep mail in the development outbox, where tests read it as a person would.

    Django's test runner swaps in its in-memory backend; the outbox is what the settings say.
    """
    settings.EMAIL_BACKEND = "verification.senders.outbox.OutboxEmailBackend"


@pytest.fixture(autouse=True)
def _seeded_catalogue(request):
    """Put back what migrations seed: a transactional test starts from an emptied database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    for text in PREDEFINED_QUESTIONS:
        SecurityQuestion.objects.get_or_create(text=text, defaults={"is_custom": False})


@pytest.fixture
def argon2_operations(monkeypatch) -> list[str]:
    """Every Argon2 hash computed (to store or to check) while the test runs, by kind."""
    from accounts.hashers import Argon2idHasher

    operations = []
    for name in ("encode", "verify"):
        original = getattr(Argon2idHasher, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            operations.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Argon2idHasher, name, counted)
    return operations


@pytest.fixture
def steady_clock():
    """Stop the clock for a test that counts requests against a per-minute limit.

    django-ratelimit counts in fixed windows; a test that crossed a window's end (a slow
    machine makes that likely) would see its count start again and fail by chance.
    """
    with time_machine.travel(time.time(), tick=False):
        yield


@pytest.fixture
def statements():
    """Statements the request sends; the test's own savepoints (BEGIN and COMMIT in
    production, outside the count) are left out."""
    @contextmanager
    def at_most(budget):
        with CaptureQueriesContext(connection) as context:
            yield
        sent = [q["sql"] for q in context.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
        assert len(sent) <= budget, f"{len(sent)} statements:\n" + "\n".join(sent)
    return at_most
