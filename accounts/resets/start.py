"""Starting an administrator's reset: the job, its items, and the refusals known at once."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from kombu.exceptions import OperationalError as BrokerError

from ..audit import record_event
from ..authority import Refusal, privileged_among, record_refusal, reset_refusal
from ..messages import seal as seal_message
from ..models import AdminResetJob, AdminResetJobItem, AuditEvent, User

logger = logging.getLogger(__name__)

Delivery = AdminResetJob.Delivery
State = AdminResetJobItem.State


class OwnAccountError(ValueError):
    """The acting administrator is in the selection (they use Change password instead)."""


@dataclass(frozen=True)
class ResetOptions:
    delivery: str = Delivery.LINK
    typed_password: str = ""
    require_change: bool = True
    email_to: str = ""
    public_key: str = ""


def admin_reset_passwords(
    *, actor: User, users: QuerySet[User], options: ResetOptions,
    request: HttpRequest | None = None,
) -> AdminResetJob:
    """Record a reset of `users` by `actor` and queue the worker when it commits.

    The actor's own account is refused: an administrator who resets everyone must still
    be able to sign in, and their own password is changed knowing the current one. Users
    the actor may not manage (accounts.authority) are kept as skipped items, audited, so the
    job's page says how many were left out and why.
    """
    if users.filter(pk=actor.pk).exists():
        raise OwnAccountError
    typed = options.typed_password
    with transaction.atomic():
        job = AdminResetJob.objects.create(
            actor=actor, delivery=options.delivery, email_to=options.email_to,
            require_change=options.require_change or options.delivery == Delivery.LINK,
            has_typed_password=bool(typed),
            typed_password_sealed=seal_message({"password": typed}) if typed else "",
            public_key=options.public_key,
        )
        ids = users.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2000)
        AdminResetJobItem.objects.bulk_create(
            (AdminResetJobItem(job=job, user_id=pk) for pk in ids), batch_size=2000)
        job.total = job.items.count()
        job.processed = _refuse_at_request(job, privileged_among(users), request=request)
        job.save(update_fields=["total", "processed"])
        record_event(type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN, request=request, actor=actor,
                     details={"job": job.pk, "users": job.total, "delivery": job.delivery})
        transaction.on_commit(lambda: enqueue_job(job.pk))
    return job


def enqueue_job(job_id: int, *, countdown: float | None = None) -> None:
    from ..tasks import deliver_admin_reset_job

    try:
        deliver_admin_reset_job.apply_async((job_id,), countdown=countdown)
    except BrokerError:
        # The job stays queued with its items pending; sweep_admin_reset_jobs retries it.
        logger.warning("broker unavailable; reset job left for the sweep", extra={"job": job_id})


def _refuse_at_request(job: AdminResetJob, candidates: QuerySet[User],
                       request: HttpRequest | None) -> int:
    """Skip at once the users the actor may not reset; return how many."""
    refused = 0
    for user in candidates:
        reason = refusal_of(job, user, request=request)
        if reason is not None:
            job.items.filter(user=user).update(state=State.SKIPPED, reason=reason)
            refused += 1
    return refused


def refusal_of(job: AdminResetJob, user: User, *,
             request: HttpRequest | None = None) -> Refusal | None:
    """Ask the authority rule about `user`, auditing a refusal."""
    known_to_others = job.has_typed_password or job.delivery == Delivery.EMAIL
    reason = reset_refusal(job.actor, user, known_to_others=known_to_others)
    if reason is not None:
        record_refusal(actor=job.actor, target=user, action="reset_password", reason=reason,
                       request=request, details={"job": job.pk})
    return reason
