"""Generated passwords of an administrator's reset: made, emailed as one list, or shown once."""

import secrets

from django.db import transaction
from django.utils import timezone

from ..messages import new_message, queue_messages
from ..messages import unseal as unseal_message
from ..models import AdminResetJob, AdminResetJobItem, User
from ..sealing import opener

Delivery = AdminResetJob.Delivery
State = AdminResetJobItem.State

# No 0/O, 1/l/I, 2/Z, 5/S, 8/B: the password may be read out or copied from paper.
GENERATED_CHARACTERS = "abcdefghjkmnpqrstuvwxyzACDEFGHJKMNPQRTUVWXY34679"


class AlreadyRevealedError(Exception):
    """The job's passwords were shown once already and are gone."""


def generate_password() -> str:
    """Return a random password like "kQ7x-Mpd4-…": 20 characters, about 112 bits."""
    raw = "".join(secrets.choice(GENERATED_CHARACTERS) for _ in range(20))
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def queue_password_list(job: AdminResetJob) -> None:
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
