"""An administrator resets the passwords of others: one user, a selection, or everyone else.

Every reset is a job that a worker runs in chunks, so a selection of any size works and
the page shows progress. The worker asks the authority rule again of each user, writes the
new password where it lives, then records it (password state, history row, audit event and
what must reach someone, sealed: the password to be shown, the link message, or the password
for the emailed list) in one short transaction per user, so the progress bar moves per user.
Messages go through the delivery state machine once committed: nobody is told of a reset
that was rolled back, and a failed delivery is retried, never lost. A killed worker leaves
the rest of the items pending; the task acknowledges late, so another worker picks the job
up where it stopped.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from .audit import record_event
from .authority import Refusal, privileged_among, record_refusal, reset_refusal
from .directory import DirectoryError, directory
from .links import set_password_url
from .lockout import clear_lockout
from .messages import new_message, queue_messages
from .messages import seal as seal_message
from .messages import unseal as unseal_message
from .models import (
    AdminResetJob,
    AdminResetJobItem,
    AuditEvent,
    PasswordPolicy,
    User,
    normalise_password,
)
from .sealing import opener, seal
from .services import queue_notice

logger = logging.getLogger(__name__)

Delivery = AdminResetJob.Delivery
State = AdminResetJobItem.State

# No 0/O, 1/l/I, 2/Z, 5/S, 8/B: the password may be read out or copied from paper.
GENERATED_CHARACTERS = "abcdefghjkmnpqrstuvwxyzACDEFGHJKMNPQRTUVWXY34679"


class OwnAccountError(ValueError):
    """The acting administrator is in the selection (they use Change password instead)."""


class AlreadyRevealedError(Exception):
    """The job's passwords were shown once already and are gone."""


@dataclass(frozen=True)
class ResetOptions:
    delivery: str = Delivery.LINK
    typed_password: str = ""
    require_change: bool = True
    email_to: str = ""
    public_key: str = ""


def generate_password() -> str:
    """Return a random password like "kQ7x-Mpd4-…": 20 characters, about 112 bits."""
    raw = "".join(secrets.choice(GENERATED_CHARACTERS) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


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
    typed_hash = ""
    if options.typed_password:
        typed_hash = make_password(normalise_password(options.typed_password))
    with transaction.atomic():
        job = AdminResetJob.objects.create(
            actor=actor, delivery=options.delivery, email_to=options.email_to,
            require_change=options.require_change or options.delivery == Delivery.LINK,
            typed_password_hash=typed_hash, public_key=options.public_key,
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


def enqueue_job(job_id: int) -> None:
    from .tasks import deliver_admin_reset_job

    try:
        deliver_admin_reset_job.delay(job_id)
    except BrokerError:
        # The job stays queued with its items pending; sweep_admin_reset_jobs retries it.
        logger.warning("broker unavailable; reset job left for the sweep", extra={"job": job_id})


def run_job(*, job_id: int) -> AdminResetJob:
    """Reset every pending user of the job, a chunk at a time; safe to run again."""
    AdminResetJob.objects.filter(pk=job_id).exclude(status=AdminResetJob.Status.DONE).update(
        status=AdminResetJob.Status.RUNNING)
    job = AdminResetJob.objects.select_related("actor").get(pk=job_id)
    _queue_password_list(job)  # any a killed worker left behind
    pending = job.items.filter(state=State.PENDING).values_list("pk", flat=True)
    while chunk := list(pending[:settings.SSPR_ADMIN_RESET_CHUNK_SIZE]):
        reset_chunk(job=job, item_ids=chunk)
    AdminResetJob.objects.filter(pk=job_id).update(status=AdminResetJob.Status.DONE,
                                                   finished_at=timezone.now())
    job.refresh_from_db()
    return job


def reset_chunk(*, job: AdminResetJob, item_ids: list[int]) -> None:
    """Reset a chunk of users, then queue the chunk's password list.

    The authority rule is asked again of every user in one transaction with the rows locked
    (a target may have been promoted since the job was queued). Each new password is then
    written to the directory outside any transaction (a refusal or an outage fails that user
    only, their state unchanged here), and recorded in one short transaction per user, so the
    progress bar moves per user and nobody is told of a reset that was rolled back. A link,
    or a generated password for the list, is recorded sealed in that user's transaction, so
    nothing that must reach someone is lost once the account changed.
    """
    policy = PasswordPolicy.current()
    for item in _still_allowed(job, item_ids):
        previous = item.user.password
        try:
            password = _write_password(job, item.user)
        except DirectoryError:
            logger.warning("directory did not take an admin reset", extra={"user": item.user_id})
            _settle(job, item, State.FAILED, reason="directory did not take the password")
            continue
        _record_new_password(job, item, previous, password, policy=policy)
    _queue_password_list(job)


def _still_allowed(job: AdminResetJob, item_ids: list[int]) -> list[AdminResetJobItem]:
    """The chunk's pending items whose users may still be reset; the others are skipped."""
    with transaction.atomic():
        items = list(AdminResetJobItem.objects.select_for_update(of=("self", "user"))
                     .select_related("user").filter(pk__in=item_ids, state=State.PENDING)
                     .order_by("pk"))
        allowed = []
        for item in items:
            reason = _skip_reason(job, item.user)
            if reason:
                _settle(job, item, State.SKIPPED, reason=reason)
            else:
                allowed.append(item)
    return allowed


def _settle(job: AdminResetJob, item: AdminResetJobItem, state: str, *, reason: str = "",
            sealed: str = "") -> bool:
    """Move a pending item to `state` and count it; False when another worker got there."""
    moved = AdminResetJobItem.objects.filter(pk=item.pk, state=State.PENDING).update(
        state=state, reason=reason, sealed_password=sealed)
    if moved:
        item.state, item.reason = state, reason
        AdminResetJob.objects.filter(pk=job.pk).update(processed=F("processed") + 1)
    return bool(moved)


def _refuse_at_request(job: AdminResetJob, candidates: QuerySet[User],
                       request: HttpRequest | None) -> int:
    """Skip at once the users the actor may not reset; return how many."""
    refused = 0
    for user in candidates:
        reason = _refusal(job, user, request=request)
        if reason is not None:
            job.items.filter(user=user).update(state=State.SKIPPED, reason=reason)
            refused += 1
    return refused


def _refusal(job: AdminResetJob, user: User, *,
             request: HttpRequest | None = None) -> Refusal | None:
    """Ask the authority rule about `user`, auditing a refusal."""
    known_to_others = bool(job.typed_password_hash) or job.delivery == Delivery.EMAIL
    reason = reset_refusal(job.actor, user, known_to_others=known_to_others)
    if reason is not None:
        record_refusal(actor=job.actor, target=user, action="reset_password", reason=reason,
                       request=request, details={"job": job.pk})
    return reason


def _skip_reason(job: AdminResetJob, user: User) -> str:
    """Why `user` is left out of the job; or ""."""
    refused = _refusal(job, user)
    if refused is not None:
        return refused.value
    if user.password_managed_elsewhere:
        return "password managed elsewhere"
    if not user.is_active:
        # A disabled account cannot sign in: a link or a password for it could never work.
        return "account disabled"
    if job.delivery == Delivery.LINK and not user.email:
        return "no email address"
    if job.typed_password_hash and not directory().keeps_password_hashes:
        # Only the hash of a typed password is kept; a directory needs the password itself.
        return "typed password needs the portal's own accounts"
    return ""


def _write_password(job: AdminResetJob, user: User) -> str:
    """Give `user` their new password where it lives; return it if one was generated.

    A link needs no password at all: the old one is replaced by a value nobody knows, so it
    stops working at once, and with the portal's own accounts no Argon2 hash is computed (a
    link for 10,000 users costs no hashing). A typed password was hashed once by the request.
    """
    if job.typed_password_hash:
        user.password = job.typed_password_hash
        return ""
    generated = "" if job.delivery == Delivery.LINK else generate_password()
    directory().set_password(user, generated or None, must_change=job.require_change)
    return generated


def _record_new_password(job: AdminResetJob, item: AdminResetJobItem, previous: str,
                         password: str, *, policy: PasswordPolicy) -> bool:
    """The portal's records of a reset the directory took: history, flags, audit, notice."""
    user, now = item.user, timezone.now()
    sealed = ""
    if job.delivery == Delivery.SHOW and password:
        sealed = seal(job.public_key, password)
    elif job.delivery == Delivery.EMAIL and password:
        sealed = seal_message({"password": password})
    with transaction.atomic():
        if not _settle(job, item, State.DONE, sealed=sealed):
            return False
        user.remember_password(previous, keep=policy.remembered_count)
        if not directory().keeps_password_hashes:
            user.set_unusable_password()  # a new session hash: every session ends
        user.password_changed_at = now
        user.must_change_password = job.require_change
        user.temporary_password_expires_at = \
            now + timedelta(days=policy.temporary_password_days) if job.require_change else None
        user.save(update_fields=["password", "previous_passwords", "password_changed_at",
                                 "must_change_password", "temporary_password_expires_at"])
        # A new password from an administrator opens the account: a lockout left over from
        # the old password would keep its owner out.
        clear_lockout(user)
        event = record_event(type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN, actor=job.actor,
                             subject=user, details={"job": job.pk, "delivery": job.delivery})
        if job.delivery != Delivery.LINK:
            queue_notice(event=event)
        else:
            _queue_link(user)
    return True


def _queue_link(user: User) -> None:
    queue_messages([new_message(template="set_password_link", to=user.email,
                                language=user.language, user=user,
                                secrets={"url": set_password_url(user)})])


def _queue_password_list(job: AdminResetJob) -> None:
    """Move the job's sealed generated passwords into one message to the typed address."""
    if job.delivery != Delivery.EMAIL:
        return
    with transaction.atomic():
        items = list(job.items.select_for_update(of=("self",)).select_related("user")
                     .filter(state=State.DONE).exclude(sealed_password=""))
        if not items:
            return
        rows = [[{"username": i.user.username, "name": i.user.name},
                 unseal_message(i.sealed_password)["password"]] for i in items]
        queue_messages([new_message(
            template="temporary_passwords", to=job.email_to, language=job.actor.language,
            context={"job": {"require_change": job.require_change,
                             "actor": {"name": job.actor.name}}},
            secrets={"rows": rows})])
        job.items.filter(pk__in=[i.pk for i in items]).update(sealed_password="")


def reveal_passwords(*, job: AdminResetJob, actor: User, private_key: str) -> list[tuple]:
    """Return (username, email, password) for each generated password, then forget them.

    Only once, and only for the administrator who started the job: the sealed passwords
    are erased in the same transaction that reads them.
    """
    unseal = opener(private_key)
    with transaction.atomic():
        job = AdminResetJob.objects.select_for_update().get(pk=job.pk, actor=actor)
        if job.passwords_revealed_at is not None:
            raise AlreadyRevealedError
        items = job.items.exclude(sealed_password="").select_related("user")
        rows = [(i.user.username, i.user.email, unseal(i.sealed_password)) for i in items]
        job.items.update(sealed_password="")
        job.passwords_revealed_at = timezone.now()
        job.save(update_fields=["passwords_revealed_at"])
    return rows
