"""One delivery state machine for every message: codes, notices, links, passwords, alerts.

A message is a row (one recipient) with a Delivery state. A worker claims it in one short
transaction (pending → sending, a try counted, a lease set), calls the provider outside any
transaction or lock, and records the outcome in another: sent; or, for a transient failure
(timeout, 5xx, 429, SMTP 4xx), pending again with a retry due after an exponential backoff
with jitter; or, for a permanent refusal or after SSPR_SEND_MAX_TRIES, failed, audited and
staff alerted. No lock is held while a provider is slow, so a web request never waits on one.
The sweep queues only rows whose due time has passed: never handed to the broker, a retry
the broker lost, or a claim whose worker died. Every time decision uses the database's clock.
"""

import logging
import random
import smtplib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Q, QuerySet, Value
from django.db.models.functions import Now
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from .models.delivery import Delivery

logger = logging.getLogger(__name__)

Status = Delivery.Status
OPEN = (Status.PENDING, Status.SENDING)


class SendError(Exception):
    """The provider did not take the message; `reason` is safe to log (never a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:120]


class TransientSendError(SendError):
    """Trying again later may work: a timeout, 5xx, 429, an SMTP 4xx such as greylisting."""


class PermanentSendError(SendError):
    """Trying again will not work: a refused number or address (4xx API, SMTP 5xx)."""


# The current time, as each database tells it (the same clock as Now() in a query).
NOW_SQL = {
    "postgresql": "SELECT statement_timestamp()",
    "sqlite": "SELECT STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')",
}


def database_now() -> datetime:
    """The database's clock: every worker agrees on expiry whatever its own clock says."""
    with connection.cursor() as cursor:
        cursor.execute(NOW_SQL[connection.vendor])
        now = cursor.fetchone()[0]
    if isinstance(now, str):
        now = datetime.fromisoformat(now).replace(tzinfo=UTC)
    return now


def ago(duration: timedelta) -> ExpressionWrapper:
    """The database's time `duration` ago, to compare with inside a query."""
    return ExpressionWrapper(Now() - Value(duration), output_field=DateTimeField())


@contextmanager
def smtp_errors() -> Iterator[None]:
    """Map SMTP failures to ours: a 4xx reply (greylisting's 451 too) is "try later", a 5xx
    a refusal that will not change; a broken or slow connection is worth another try."""
    try:
        yield
    except smtplib.SMTPRecipientsRefused as exc:
        code = max(code for code, _ in exc.recipients.values())
        error = TransientSendError if 400 <= code < 500 else PermanentSendError
        raise error(f"smtp {code} recipient refused") from None
    except smtplib.SMTPResponseException as exc:
        error = TransientSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
        raise error(f"smtp {exc.smtp_code}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientSendError(f"smtp {type(exc).__name__}") from None


def retry_delay(tries: int) -> float:
    """Seconds before the next try after `tries` tries: doubling, plus up to half again."""
    base = settings.SSPR_SEND_RETRY_SECONDS * 2 ** max(tries - 1, 0)
    return base + random.uniform(0, base / 2)  # noqa: S311 - spreading retries, not a secret


def enqueue(task, *args, countdown: float | None = None) -> None:
    """Queue `task`; if the broker is down, leave the recorded row to the periodic sweep.

    The person's page must not fail because Redis is: the row is committed and pending, and
    the sweep queues it once the broker is back (SPEC 9).
    """
    try:
        task.apply_async(args=args, countdown=countdown, retry=False)
    except (BrokerError, RedisError, ConnectionError) as exc:
        logger.warning("broker unavailable; left for the sweep",
                       extra={"task": task.name, "error": type(exc).__name__})


def claim(rows: QuerySet, pk: int, *, now: datetime) -> Delivery | None:
    """Take row `pk` for one provider call, or return None if it is not due or not open.

    Two workers given the same row: the second waits the first's short claim out, then finds
    it sending and leaves it. Only this short transaction ever locks the row.
    """
    return claim_all(rows, [pk], now=now)[0]


def claim_all(rows: QuerySet, pks: list[int], *, now: datetime) -> list[Delivery | None]:
    """claim() for each of `pks` in one short transaction, in the order of `pks`.

    The rows are locked in the order of their keys, so two claims of overlapping rows wait
    for each other and never deadlock.
    """
    lease = timedelta(seconds=settings.SSPR_SEND_LEASE_SECONDS)
    taken = {}
    with transaction.atomic():
        for row in (rows.select_for_update(of=("self",))
                    .filter(pk__in=pks, status__in=OPEN).order_by("pk")):
            if row.next_try_at is not None and row.next_try_at > now:
                # A retry is due later, or another worker's lease runs (a task that came
                # early is left to the sweep, which never hurries one).
                continue
            if row.is_obsolete(now):
                row.status, row.next_try_at = Status.SKIPPED, None
                row.save(update_fields=["status", "next_try_at"])
                continue
            row.status, row.next_try_at = Status.SENDING, now + lease
            row.send_tries += 1
            row.save(update_fields=["status", "next_try_at", "send_tries"])
            taken[row.pk] = row
    # Absent: sent or failed already, not due, or obsolete.
    return [taken.get(pk) for pk in pks]


def deliver(*, rows: QuerySet, pk: int, send: Callable[[Delivery], None], task,
            on_failed: Callable[[Delivery], None]) -> str:
    """Run one try of the message `pk`: claim, send outside any transaction, record.

    Returns the status it left the row in ("" if the row was not this try's to send).
    """
    return deliver_all(rows=rows, pks=[pk], send=send, task=task, on_failed=on_failed)[0]


def deliver_all(*, rows: QuerySet, pks: list[int], send: Callable[[Delivery], None], task,
                on_failed: Callable[[Delivery], None]) -> list[str]:
    """Run one try of each message of `pks`, as deliver() does, with one database connection.

    The messages of one event (a notice to each of a person's addresses) are claimed in one
    transaction, sent one after another with no connection held, then recorded: one
    reconnection for all of them, not one each. A row still unsent when half its lease has
    passed is left as it is: the sweep takes it over once the lease ends, so it is never
    sent twice. Returns the status each row was left in, in the order of `pks`.
    """
    try:
        claimed = claim_all(rows, pks, now=database_now())
    except OperationalError as exc:
        # No connection within the pool's timeout (every one busy), or none at all: nothing
        # was claimed, so each message is queued again for a later try, and the sweep queues
        # it should the broker lose that too.
        logger.warning("database unavailable; messages queued again",
                       extra={"rows": pks, "error": type(exc.__cause__ or exc).__name__})
        for pk in pks:
            enqueue(task, pk, countdown=retry_delay(1))
        return [Status.PENDING] * len(pks)
    if not connection.in_atomic_block:
        # A thread-pool worker has a hundred calls in flight: none holds a database
        # connection while it waits on a provider (closing hands a pooled one back; the
        # record step takes one again).
        connection.close()
    send_until = time.monotonic() + settings.SSPR_SEND_LEASE_SECONDS / 2
    tried = {}
    for row in filter(None, claimed):
        if time.monotonic() > send_until:
            break
        tried[row.pk] = _send(row, send)
    statuses = []
    for row in claimed:
        if row is None:
            statuses.append("")
        elif row.pk not in tried:
            statuses.append(Status.SENDING)  # the sweep's, once its lease ends
        else:
            statuses.append(_record(rows, row, tried[row.pk], task=task, on_failed=on_failed))
    return statuses


def _send(row: Delivery, send: Callable[[Delivery], None]) -> SendError | None:
    """Hand `row` to its provider; the error that kept it from being sent, if any."""
    try:
        if row.send_tries > settings.SSPR_SEND_MAX_TRIES:
            raise PermanentSendError("worker lost too often")  # claims whose workers died
        send(row)
    except SendError as error:
        return error
    except Exception as error:
        # A bug (say, a missing template) must not leave the row sending for good: it is
        # retried like any failure, and fails, audited and alerted, after the last try.
        logger.exception("message could not be sent", extra={"row": row.pk})
        return TransientSendError(type(error).__name__)
    return None


def _record(rows: QuerySet, row: Delivery, error: SendError | None, *, task,
            on_failed: Callable[[Delivery], None]) -> str:
    if error is not None:
        return _record_error(rows, row, error, task=task, on_failed=on_failed)
    rows.filter(pk=row.pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=Now(), next_try_at=None, failure="", **row.sent_changes())
    return Status.SENT


def _record_error(rows: QuerySet, row: Delivery, error: SendError, *, task,
                  on_failed: Callable[[Delivery], None]) -> str:
    still_sending = rows.filter(pk=row.pk, status=Status.SENDING)
    if isinstance(error, TransientSendError) and row.send_tries < settings.SSPR_SEND_MAX_TRIES:
        delay = retry_delay(row.send_tries)
        still_sending.update(status=Status.PENDING, failure=error.reason,
                             next_try_at=database_now() + timedelta(seconds=delay))
        logger.warning("message not sent, will retry",
                       extra={"row": row.pk, "reason": error.reason, "tries": row.send_tries})
        enqueue(task, row.pk, countdown=delay)
        return Status.PENDING
    with transaction.atomic():
        if still_sending.update(status=Status.FAILED, failed_at=Now(), next_try_at=None,
                                failure=error.reason):
            row.failure = error.reason
            on_failed(row)
    logger.error("message not delivered", extra={"row": row.pk, "reason": error.reason})
    return Status.FAILED


def due(rows: QuerySet, *, now: datetime) -> QuerySet:
    """Rows the sweep must queue: waiting, and due for longer than SSPR_SWEEP_GRACE_SECONDS.

    That is a row never handed to the broker, a retry the broker lost, or a claim whose worker
    died; never one whose retry is still scheduled, which the sweep would only hurry.
    """
    overdue = now - timedelta(seconds=settings.SSPR_SWEEP_GRACE_SECONDS)
    return rows.filter(Q(next_try_at__lte=overdue), status__in=OPEN)


def sweep(rows: QuerySet, task) -> int:
    """Queue `task` for every overdue row of `rows`; return how many."""
    ids = list(due(rows, now=database_now()).values_list("pk", flat=True))
    for pk in ids:
        enqueue(task, pk)
    if ids:
        logger.info("re-queued overdue messages", extra={"task": task.name, "count": len(ids)})
    return len(ids)
