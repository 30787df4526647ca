"""Redis down: a clear 503 page instead of a 500, and code messages kept for the sweep."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from sspr.celery import app as celery_app
from tests.integration.conftest import free_port
from verification import services
from verification.models import OutboxEntry, VerificationCode
from verification.tasks import sweep_pending_messages

from .helpers import last_code

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, as when Redis has stopped."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = UNREACHABLE_REDIS, False
    forget_connections()
    yield
    conf.broker_url, conf.task_always_eager = saved
    forget_connections()


def forget_connections():
    # Celery keeps its broker connections in pools made on first use; drop them so the next
    # publish connects to whatever broker_url now says.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_a_cache_outage_gives_the_unavailable_page_not_a_500(client):
    unreachable = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": UNREACHABLE_REDIS}}
    with override_settings(CACHES=unreachable):
        response = client.post(reverse("accounts:sign-in"),
                               {"username": "anyone", "password": "whatever-it-is"},
                               HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "60"
    assert "Tillfälligt otillgänglig" in response.content.decode()


def test_with_the_broker_down_the_page_works_and_the_sweep_sends_later(
        signed_in, committed, broker_down, settings):
    with committed():
        response = signed_in.post(reverse("verification:email"),
                                  {"address": "vera.home@example.net"})

    assert response.url == reverse("verification:verify-email")
    row = VerificationCode.objects.get()
    assert row.status == VerificationCode.Status.PENDING
    assert not OutboxEntry.objects.exists()

    celery_app.conf.task_always_eager = True  # the broker is back
    settings.SSPR_SWEEP_GRACE_SECONDS = 0
    assert sweep_pending_messages() == 1
    assert sweep_pending_messages() == 0

    row.refresh_from_db()
    assert row.status == VerificationCode.Status.SENT
    assert OutboxEntry.objects.count() == 1
    with committed():
        signed_in.post(reverse("verification:verify-email"),
                       {"code": last_code("vera.home@example.net")})
    assert services.registered_methods(row.user) == {"email"}


def test_the_sweep_leaves_fresh_messages_and_retires_expired_ones(
        user, django_capture_on_commit_callbacks, settings):
    settings.SSPR_SWEEP_GRACE_SECONDS = 30
    with django_capture_on_commit_callbacks():
        old = services.send_code(user=user, purpose="reset", channel="sms",
                                 destination="+46701740612", reset_attempt="a")
        fresh = services.send_code(user=user, purpose="reset", channel="sms",
                                   destination="+46701740613", reset_attempt="b")
    long_ago = timezone.now() - timedelta(minutes=6)
    VerificationCode.objects.filter(pk=old.pk).update(
        created_at=long_ago, next_try_at=long_ago, expires_at=long_ago + timedelta(minutes=5))

    assert sweep_pending_messages() == 1  # its worker finds it expired

    statuses = dict(VerificationCode.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "skipped", fresh.pk: "pending"}
    assert not OutboxEntry.objects.exists()
