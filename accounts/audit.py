"""The audit log: one way in, `record_event` (or `record_events` for many subjects at once),
and the support codes people read out to IT."""

import secrets

from django.http import HttpRequest

from .models import AuditEvent, User
from .network import client_ip

# No 0/O, 1/I/L, 2/Z, 5/S or 8/B: the code is read aloud over the phone to a helpdesk.
SUPPORT_CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"


def new_support_code() -> str:
    """Return a fresh code like "K7QX-3MPD" that ties what a user sees to the log."""
    raw = "".join(secrets.choice(SUPPORT_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def record_event(
    *,
    type: AuditEvent.Type,
    outcome: AuditEvent.Outcome = AuditEvent.Outcome.SUCCESS,
    request: HttpRequest | None = None,
    actor: User | None = None,
    subject: User | None = None,
    identifier: str = "",
    support_code: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit log.

    `details` holds ids, method names and counts only: never a password, code or answer
    (SPEC 8.8). When no actor is given, the signed-in user of `request` is the actor.
    """
    ip, user_agent = None, ""
    if request is not None:
        ip = client_ip(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        if actor is None and getattr(request, "user", None) and request.user.is_authenticated:
            actor = request.user
    return AuditEvent.objects.create(
        type=type,
        outcome=outcome,
        actor=actor,
        subject=subject,
        identifier=identifier[:150],
        ip=ip,
        user_agent=user_agent,
        support_code=support_code or new_support_code(),
        details=details or {},
    )


def record_events(*, type: AuditEvent.Type, actor: User, subjects: list[User],
                  details: dict) -> list[AuditEvent]:
    """Append one event per subject in one insert: a background job's many alike actions.

    The same rules as `record_event`: actor and subject apart, a support code each, and no
    secret in `details`.
    """
    return AuditEvent.objects.bulk_create(
        AuditEvent(type=type, outcome=AuditEvent.Outcome.SUCCESS, actor=actor, subject=subject,
                   support_code=new_support_code(), details=details)
        for subject in subjects
    )
