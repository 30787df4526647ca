"""`/healthz`: whether this process can reach the database, the cache, the broker and, when
one is configured, the directory."""

from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse

from accounts.directory import directory
from accounts.messages import failed_last_hour

from .celery import app


def _cache() -> None:
    cache.set("healthz", "ok", 5)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _broker() -> None:
    """Ask the broker for an answer over a connection kept in Celery's pool.

    A probe every few seconds from each load balancer must not open (and authenticate) a new
    connection each time; a kept one that has died fails the ping, and is opened again next time.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    with app.pool.acquire(block=True, timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel.client.ping()


def _directory() -> None:
    """A base search over the directory's reused service connection."""
    directory().check()


CHECKS = {"cache": _cache, "broker": _broker}


def healthz(request: HttpRequest) -> JsonResponse:
    """Report each dependency as "ok" or "down" (503 when any is down), and the messages
    whose delivery finally failed in the last hour."""
    results = {}
    try:
        # A read of a real table: the database check, and the one statement of the probe.
        failed = failed_last_hour()
    except Exception:
        results["database"] = "down"
    else:
        results["database"] = "ok"
    checks = CHECKS if settings.SSPR_DIRECTORY == "local" else {**CHECKS, "directory": _directory}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            results[name] = "down"
        else:
            results[name] = "ok"
    healthy = all(v == "ok" for v in results.values())
    if results["database"] == "ok":
        # Not a health failure (the portal works), but what a monitor should alert on.
        results["failed_deliveries_last_hour"] = failed
    status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
    return JsonResponse(results, status=status)
