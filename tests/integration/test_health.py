"""/healthz against the real broker: one kept connection, not a new one per probe."""

import pytest
from django.urls import reverse
from kombu import Connection

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_healthz_reuses_its_broker_connection(redis_url, client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    opened = []
    factory = Connection._connection_factory

    def counting_factory(self):
        opened.append(self)
        return factory(self)

    monkeypatch.setattr(Connection, "_connection_factory", counting_factory)
    for _ in range(5):
        response = client.get(reverse("healthz"))
        assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok",
                                   "failed_deliveries_last_hour": 0}
    assert len(opened) <= 1


def test_healthz_says_the_broker_is_down_when_it_is(redis_url, client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.get(reverse("healthz"))  # a kept connection must not hide an outage

    def refuse(self, *args, **kwargs):
        raise ConnectionError("broker gone")

    monkeypatch.setattr("redis.Redis.ping", refuse)
    monkeypatch.setattr(Connection, "_connection_factory", refuse)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
