"""Celery tasks of the wizard: a gate's code, and the messages staff receive."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from accounts.messages import MAX_STAFF_RECIPIENTS, new_message, queue_messages
from accounts.models import AuditEvent, ResetPolicy, User

from .models import ResetAttempt


def password_administrators(*, exclude: User | None = None) -> list[tuple[str, str]]:
    """Email and language of active staff who may change users, at most MAX_STAFF_RECIPIENTS."""
    permission = Permission.objects.filter(codename="change_user",
                                           content_type__app_label="accounts")
    staff = (User.objects.filter(is_active=True, is_staff=True).exclude(email="")
             .filter(Q(is_superuser=True) | Q(user_permissions__in=permission)
                     | Q(groups__permissions__in=permission)).distinct().order_by("pk"))
    if exclude is not None:
        staff = staff.exclude(pk=exclude.pk)
    return list(staff.values_list("email", "language")[:MAX_STAFF_RECIPIENTS])


def _queue_each(recipients: list[tuple[str, str]], *, template: str, event: AuditEvent,
                context=lambda: {}) -> None:
    """One message a reader, in that reader's language, through the delivery state machine."""
    with transaction.atomic():
        messages = []
        for address, language in recipients:
            with translation.override(language):
                extra = context()
            messages.append(new_message(template=template, to=address, language=language,
                                        event=event, user=event.subject, context=extra))
        queue_messages(messages)


@shared_task
def send_helpdesk_request(event_id: int) -> None:
    """Email the helpdesk who asked for help, why they are stuck, and the support code."""
    event = AuditEvent.objects.select_related("subject").get(pk=event_id)
    policy = ResetPolicy.current()
    recipients = ([(policy.helpdesk_email, settings.SSPR_HELPDESK_LANGUAGE)]
                  if policy.helpdesk_email else password_administrators())
    if event.subject is None:
        return
    reason = event.details.get("reason", "")
    # The reason in words, in the reader's language, never the stored code.
    label = dict(ResetAttempt.Eligibility.choices).get(reason, reason)
    _queue_each(recipients, template="helpdesk_request", event=event,
                context=lambda: {"reason": str(label)})


@shared_task
def send_reset_code(attempt_id: str, client_ip: str | None, language: str) -> None:
    """Send the code of a reset gate if the destination given is the registered one."""
    from .services import send_code_if_registered  # the services queue this task

    send_code_if_registered(attempt_id=attempt_id, client_ip=client_ip, language=language)


@shared_task
def send_admin_reset_alert(event_id: int) -> None:
    """Tell the other administrators that an administrator reset their own password."""
    event = AuditEvent.objects.select_related("subject").get(pk=event_id)
    _queue_each(password_administrators(exclude=event.subject), template="admin_reset_alert",
                event=event)
