"""Emails to people, one row per recipient, sent through the delivery state machine.

`queue_*` record messages in the caller's transaction and hand them to a worker on commit.
The worker renders each message when its turn comes (`send_message`), so the broker carries
ids only; what must stay secret until sent (a set-password link, generated passwords) is
sealed with a key derived from SECRET_KEY and erased once the provider took the message.
"""

import base64
import json
from datetime import timedelta
from functools import partial

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Count
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from sspr.statements import Statement

from .audit import record_event
from .delivery import ago, enqueue, smtp_errors
from .expiry import expires_at
from .mail import close_quietly, render_templated_email
from .models import AuditEvent, Message, User

SEAL_SALT = "accounts.messages.sealed"
DELIVERY_ALERT = "delivery_failed"
# Messages to staff about the portal itself: their own failure alerts nobody (no loop).
STAFF_ALERTS = {DELIVERY_ALERT, "phone_budget_alert"}
# The advisory lock that makes "one delivery alert per burst" hold across worker threads.
DELIVERY_ALERT_LOCK = 0x53535052_0001  # "SSPR", 1
# A mail to every administrator of a huge directory would be spam, not help.
MAX_STAFF_RECIPIENTS = 100
# Messages recorded together beyond which one task queues them (see queue_messages).
FAN_OUT_ABOVE = 10

# Events the user is told about by email, and the template that tells them.
NOTICE_TEMPLATES = {
    AuditEvent.Type.PASSWORD_CHANGED: "password_changed",
    AuditEvent.Type.PASSWORD_RESET: "password_changed",
    AuditEvent.Type.PASSWORD_RESET_BY_ADMIN: "password_changed",
    AuditEvent.Type.ACCOUNT_UNLOCKED: "account_unlocked",
    AuditEvent.Type.METHOD_REGISTERED: "methods_changed",
    AuditEvent.Type.METHOD_REMOVED: "methods_changed",
}


def _fernet() -> Fernet:
    key = salted_hmac(SEAL_SALT, "fernet", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(values: dict) -> str:
    return _fernet().encrypt(json.dumps(values).encode()).decode()


def unseal(sealed: str) -> dict:
    return json.loads(_fernet().decrypt(sealed.encode())) if sealed else {}


def queue_messages(messages: list[Message]) -> list[Message]:
    """Record `messages` and queue them for a worker when the transaction commits.

    Up to FAN_OUT_ABOVE (a notice to each of a person's addresses) are one task, sent one
    after another over one SMTP connection. More (an administrator's job, a chunk of links)
    go to the broker as one task that queues each: the caller waits for one broker round
    trip, not hundreds. A lost task loses nothing: the rows are pending, and the sweep
    queues them.
    """
    from .tasks import deliver_messages, queue_deliveries

    created = Message.objects.bulk_create(messages)
    if created:
        task = queue_deliveries if len(created) > FAN_OUT_ABOVE else deliver_messages
        transaction.on_commit(partial(enqueue, task, [m.pk for m in created]))
    return created


def new_message(*, template: str, to: str, language: str, user: User | None = None,
                event: AuditEvent | None = None, context: dict | None = None,
                secrets: dict | None = None) -> Message:
    """An unsaved message; `secrets` are sealed until it is sent."""
    return Message(template=template, to=to, language=language, user=user, event=event,
                   context=context or {}, sealed=seal(secrets) if secrets else "")


def notice_recipients(event: AuditEvent) -> list[str]:
    """The subject's own email and whatever SSPR_NOTICE_ADDRESSES adds (alternate email)."""
    user = event.subject
    found = [user.email] if user.email else []
    for address in import_string(settings.SSPR_NOTICE_ADDRESSES)(event):
        if address not in found:
            found.append(address)
    return found


def queue_notice(*, event: AuditEvent) -> list[Message]:
    """Tell the subject of `event` what happened to their account, once per address."""
    user = event.subject
    return queue_messages([
        new_message(template=NOTICE_TEMPLATES[event.type], to=address, language=user.language,
                    user=user, event=event)
        for address in notice_recipients(event)
    ])


def staff_addresses() -> list[tuple[str, str]]:
    """Email and language of active staff, at most MAX_STAFF_RECIPIENTS."""
    staff = User.objects.filter(is_active=True, is_staff=True).exclude(email="").order_by("pk")
    return list(staff.values_list("email", "language")[:MAX_STAFF_RECIPIENTS])


def queue_staff_alert(*, template: str, context: dict) -> list[Message]:
    """Email every active staff member, each in their own language."""
    return queue_messages([
        new_message(template=template, to=address, language=language, context=context)
        for address, language in staff_addresses()
    ])


def _computed_context(message: Message) -> dict:
    if message.template == "password_expiry_reminder":
        return {"expires_at": expires_at(message.user)}
    return {}


def send_message(message: Message, *, connection: BaseEmailBackend | None = None) -> None:
    """Render `message` in its language and hand it to the SMTP server (one recipient).

    With `connection`, it goes over that connection and leaves it open for the next message
    of the same task (accounts.tasks.deliver_messages); a failed send closes it, so the next
    message starts afresh.
    """
    context = {"user": message.user, "event": message.event, **message.context,
               **unseal(message.sealed)}
    context.update(_computed_context(message))
    with smtp_errors():
        email = render_templated_email(to=[message.to], template=message.template,
                                       context=context, language=message.language,
                                       connection=connection)
        if connection is None:
            email.send()
            return
        try:
            connection.open()
            email.send()
        except Exception:
            close_quietly(connection)
            raise


def message_failed(message: Message) -> None:
    """Audit a message that will not be delivered, and alert staff once per burst."""
    record_event(type=AuditEvent.Type.MESSAGE_FAILED, outcome=AuditEvent.Outcome.FAILURE,
                 subject=message.user, details={"message_id": message.pk,
                                                "template": message.template,
                                                "reason": message.failure})
    if message.template not in STAFF_ALERTS:
        alert_staff_of_failure(reason=message.failure)


def alert_staff_of_failure(*, reason: str) -> None:
    """Email staff that a message failed, unless they were told within the burst window.

    One email per burst, not per message: a provider outage failing thousands of messages
    tells each staff member once; /healthz and the audit log count the rest.
    """
    window = timedelta(seconds=settings.SSPR_DELIVERY_ALERT_SECONDS)
    with transaction.atomic():
        _hold_alert_lock()
        if Message.objects.filter(template=DELIVERY_ALERT, created_at__gte=ago(window)).exists():
            return
        queue_staff_alert(template=DELIVERY_ALERT, context={"reason": reason})


def _hold_alert_lock() -> None:
    """One lock, held to the end of the transaction, around "is there an alert? if not, send".

    Failures settle in parallel worker threads; without it each sees no alert yet (the
    other's is not committed) and sends its own. A transaction-scoped advisory lock needs no
    row and is released by the commit; no network call happens while it is held. SQLite, the
    laptop's database, runs tasks in the web process one at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DELIVERY_ALERT_LOCK])


# `/healthz` counts these on every probe: one indexed count, compiled once (the hour is the
# database's own clock, so the statement takes no values).
_FAILED = Statement(lambda: AuditEvent.objects.filter(
    type=AuditEvent.Type.MESSAGE_FAILED, created_at__gte=ago(timedelta(hours=1)),
).values("type").annotate(failed=Count("pk")).values_list("failed"))


def failed_last_hour() -> int:
    """How many messages of any kind finally failed in the last hour."""
    rows = _FAILED.rows()
    return rows[0][0] if rows else 0
