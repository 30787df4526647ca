"""The worker's side of an administrator's reset: claim, write and record, a chunk at a time."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..audit import record_events
from ..directory import DirectoryError, directory
from ..links import set_password_url
from ..lockout import clear_lockouts
from ..messages import new_message, queue_messages
from ..messages import seal as seal_message
from ..messages import unseal as unseal_message
from ..models import (
    AdminResetJob,
    AdminResetJobItem,
    AuditEvent,
    PasswordPolicy,
    User,
    normalise_password,
)
from ..sealing import seal
from ..services import queue_notice
from .passwords import generate_password, queue_password_list
from .start import refusal_of

logger = logging.getLogger(__name__)

Delivery = AdminResetJob.Delivery
State = AdminResetJobItem.State


@dataclass(frozen=True)
class TypedPassword:
    """The password an administrator typed, as each store takes it: itself, or its hash."""

    password: str = ""
    # Hashed once per run: a typed password for 10,000 own accounts costs one Argon2 run.
    hashed: str = ""


def run_job(*, job_id: int) -> AdminResetJob:
    """Reset every pending user of the job, a chunk at a time; safe to run again.

    The job is done when no item is pending. Items leased to a run that stopped (a killed
    worker) are left until their leases end, and the job stays running: the task comes back
    for them (accounts.tasks.deliver_admin_reset_job).
    """
    AdminResetJob.objects.filter(pk=job_id).exclude(status=AdminResetJob.Status.DONE).update(
        status=AdminResetJob.Status.RUNNING)
    job = AdminResetJob.objects.select_related("actor").get(pk=job_id)
    queue_password_list(job)  # any a killed worker left behind
    try:
        typed = _typed_password(job)
        pending = job.items.filter(state=State.PENDING)
        while chunk := list(pending.exclude(lease_until__gt=timezone.now())
                            .values_list("pk", flat=True)[:settings.SSPR_ADMIN_RESET_CHUNK_SIZE]):
            reset_chunk(job=job, item_ids=chunk, typed=typed)
    except BaseException:
        # A job that stops here is not run again: its typed password must not outlive it.
        AdminResetJob.objects.filter(pk=job_id).update(typed_password_sealed="")
        raise
    if not pending.exists():
        AdminResetJob.objects.filter(pk=job_id).update(
            status=AdminResetJob.Status.DONE, finished_at=timezone.now(),
            typed_password_sealed="")
    job.refresh_from_db()
    return job


def _typed_password(job: AdminResetJob) -> TypedPassword | None:
    """The job's typed password, or None when one is generated (or it was erased)."""
    password = unseal_message(job.typed_password_sealed).get("password", "")
    if not password:
        return None
    if directory().keeps_password_hashes:
        return TypedPassword(hashed=make_password(normalise_password(password)))
    return TypedPassword(password=password)


def reset_chunk(*, job: AdminResetJob, item_ids: list[int],
                typed: TypedPassword | None = None) -> None:
    """Claim, write and record a chunk of users (see the module's docstring)."""
    policy = PasswordPolicy.current()
    leased, until = _claim(job, item_ids, typed=typed)
    # Half the lease is kept for the last write and the record: a directory that slows down
    # must not let a lease end before its user's reset is recorded.
    deadline = until - timedelta(seconds=settings.SSPR_ADMIN_RESET_LEASE_SECONDS / 2)
    written, failed = [], []
    for item in leased:
        if timezone.now() >= deadline:
            break  # the rest are released by the record and claimed again
        try:
            written.append(_write_password(job, item, typed))
        except DirectoryError:
            logger.warning("directory did not take an admin reset", extra={"user": item.user_id})
            failed.append(item)
    _record(job, leased, written, failed, until=until, policy=policy)
    queue_password_list(job)


@dataclass
class Written:
    """A user whose new password the directory took, waiting to be recorded."""

    item: AdminResetJobItem
    previous: str
    sealed: str = ""


def _claim(job: AdminResetJob, item_ids: list[int], *,
           typed: TypedPassword | None) -> tuple[list[AdminResetJobItem], datetime]:
    """Lease the chunk's users that may still be reset to the job; skip the others.

    Locked here with their items, the users cannot be promoted between the rule's answer
    and the lease; once leased, accounts.staff refuses to promote them until the record.
    """
    now = timezone.now()
    until = now + timedelta(seconds=settings.SSPR_ADMIN_RESET_LEASE_SECONDS)
    with transaction.atomic():
        items = list(AdminResetJobItem.objects.select_for_update(of=("self", "user"))
                     .select_related("user").filter(pk__in=item_ids, state=State.PENDING)
                     .exclude(lease_until__gt=now).order_by("pk"))
        busy = set(AdminResetJobItem.objects.filter(
            user__in=[i.user_id for i in items], lease_until__gt=now,
        ).exclude(job=job).values_list("user_id", flat=True))
        skipped, leased = defaultdict(list), []
        for item in items:
            reason = ("another reset of this account is running" if item.user_id in busy
                      else _skip_reason(job, item.user, typed))
            if reason:
                skipped[reason].append(item.pk)
            else:
                leased.append(item)
        for reason, ids in skipped.items():
            AdminResetJobItem.objects.filter(pk__in=ids).update(state=State.SKIPPED,
                                                                reason=reason)
        AdminResetJobItem.objects.filter(pk__in=[i.pk for i in leased]).update(
            lease_until=until)
        _count(job, sum(len(ids) for ids in skipped.values()))
    return leased, until


def _count(job: AdminResetJob, settled: int) -> None:
    if settled:
        AdminResetJob.objects.filter(pk=job.pk).update(processed=F("processed") + settled)


def _skip_reason(job: AdminResetJob, user: User, typed: TypedPassword | None) -> str:
    """Why `user` is left out of the job; or ""."""
    refused = refusal_of(job, user)
    if refused is not None:
        return refused.value
    if user.password_managed_elsewhere:
        return "password managed elsewhere"
    if not user.is_active:
        # A disabled account cannot sign in: a link or a password for it could never work.
        return "account disabled"
    if job.delivery == Delivery.LINK and not user.email:
        return "no email address"
    if job.has_typed_password and typed is None:
        return "the typed password was erased when the job stopped"
    return ""


def _write_password(job: AdminResetJob, item: AdminResetJobItem,
                    typed: TypedPassword | None) -> Written:
    """Give the item's user their new password where it lives.

    A link needs no password at all: the old one is replaced by a value nobody knows, so it
    stops working at once, and with the portal's own accounts no Argon2 hash is computed (a
    link for 10,000 users costs no hashing). A generated password to be shown or emailed is
    sealed here, outside any transaction.
    """
    user, previous = item.user, item.user.password
    if typed is not None and typed.hashed:
        user.password = typed.hashed
        return Written(item, previous)
    generated = "" if typed is not None or job.delivery == Delivery.LINK else generate_password()
    directory().set_password(user, typed.password if typed else generated or None,
                             must_change=job.require_change)
    sealed = ""
    if job.delivery == Delivery.SHOW and generated:
        sealed = seal(job.public_key, generated)
    elif job.delivery == Delivery.EMAIL and generated:
        sealed = seal_message({"password": generated})
    return Written(item, previous, sealed)


def _record(job: AdminResetJob, leased: list[AdminResetJobItem], written: list[Written],
            failed: list[AdminResetJobItem], *, until: datetime,
            policy: PasswordPolicy) -> None:
    """The portal's records of the chunk's resets, in one transaction, leases ended.

    Only items still leased to this claim are recorded: had the lease ended and another
    run claimed them, theirs is the record.
    """
    now = timezone.now()
    with transaction.atomic():
        owned = set(AdminResetJobItem.objects.select_for_update().filter(
            pk__in=[i.pk for i in leased], state=State.PENDING, lease_until=until,
        ).values_list("pk", flat=True))
        written = [w for w in written if w.item.pk in owned]
        users = [w.item.user for w in written]
        _save_reset_users(written, now=now, require_change=job.require_change, policy=policy)
        # A new password from an administrator opens the account: a lockout left over from
        # the old password would keep its owner out.
        clear_lockouts(users)
        events = record_events(type=AuditEvent.Type.PASSWORD_RESET_BY_ADMIN, actor=job.actor,
                               subjects=users, details={"job": job.pk, "delivery": job.delivery})
        if job.delivery == Delivery.LINK:
            _queue_links(users)
        else:
            for event in events:
                queue_notice(event=event)
        done = [w.item.pk for w in written]
        AdminResetJobItem.objects.filter(pk__in=done).update(state=State.DONE, lease_until=None)
        for w in written:
            w.item.sealed_password = w.sealed
        AdminResetJobItem.objects.bulk_update([w.item for w in written if w.sealed],
                                              ["sealed_password"])
        failed_ids = [i.pk for i in failed if i.pk in owned]
        AdminResetJobItem.objects.filter(pk__in=failed_ids).update(
            state=State.FAILED, reason="directory did not take the password", lease_until=None)
        # Users leased but not reached before the deadline go back to be claimed afresh.
        AdminResetJobItem.objects.filter(pk__in=owned, state=State.PENDING).update(
            lease_until=None)
        _count(job, len(written) + len(failed_ids))


def _save_reset_users(written: list[Written], *, now: datetime, require_change: bool,
                      policy: PasswordPolicy) -> None:
    """Save the new password state of the users in `written`: what they share in one
    update, each one's password and history in one more."""
    expires = (now + timedelta(days=policy.temporary_password_days) if require_change
               else None)
    users = [w.item.user for w in written]
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        password_changed_at=now, must_change_password=require_change,
        temporary_password_expires_at=expires)
    for w in written:
        user = w.item.user
        user.remember_password(w.previous, keep=policy.remembered_count)
        if not directory().keeps_password_hashes:
            user.set_unusable_password()  # a new session hash: every session ends
        user.password_changed_at, user.must_change_password = now, require_change
        user.temporary_password_expires_at = expires
    User.objects.bulk_update(users, ["password", "previous_passwords"])


def _queue_links(users: list[User]) -> None:
    queue_messages([new_message(template="set_password_link", to=user.email,
                                language=user.language, user=user,
                                secrets={"url": set_password_url(user)}) for user in users])
