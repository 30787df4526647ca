"""The shared cache against real Redis: one client kept per server, not one per call."""

import pytest
import redis
from django.core.cache import caches

pytestmark = pytest.mark.integration


def test_the_cache_makes_one_redis_client_however_many_calls(redis_url, monkeypatch):
    made = []
    setup = redis.Redis.__init__

    def counting_setup(self, *args, **kwargs):
        made.append(self)
        setup(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_setup)
    cache = caches.create_connection("default")
    for n in range(5):
        cache.set("counted", n)
        assert cache.get("counted") == n
    cache.delete("counted")

    assert len(made) == 1
