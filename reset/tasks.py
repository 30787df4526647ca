from captcha.models import CaptchaStore
from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Q

from accounts.mail import send_templated_email
from accounts.models import AuditEvent, ResetPolicy, User
from accounts.tasks import TRANSIENT_SMTP_ERRORS

from .models import ResetAttempt

# A helpdesk mail to every administrator of a huge directory would be spam, not help.
MAX_STAFF_RECIPIENTS = 100

RETRIES = {"autoretry_for": TRANSIENT_SMTP_ERRORS, "retry_backoff": 5,
           "retry_backoff_max": 600, "max_retries": 8}


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


def _send_each(recipients: list[tuple[str, str]], *, template: str, context: dict) -> None:
    # One message a reader, in that reader's language.
    for address, language in recipients:
        send_templated_email(to=[address], template=template, context=context,
                             language=language)


@shared_task(**RETRIES)
def send_helpdesk_request(event_id: int) -> None:
    """Email the helpdesk who asked for help, why they are stuck, and the support code."""
    event = AuditEvent.objects.select_related("subject").get(pk=event_id)
    policy = ResetPolicy.current()
    recipients = ([(policy.helpdesk_email, settings.SSPR_HELPDESK_LANGUAGE)]
                  if policy.helpdesk_email else password_administrators())
    if event.subject is None:
        return
    reason = event.details.get("reason", "")
    # The reason in words, translated as the message is rendered, never the stored code.
    label = dict(ResetAttempt.Eligibility.choices).get(reason, reason)
    _send_each(recipients, template="helpdesk_request",
               context={"event": event, "user": event.subject, "reason": label})


@shared_task
def sweep_captchas() -> None:
    """Delete the CAPTCHA challenges nobody answered in time (their table has no other sweep)."""
    CaptchaStore.remove_expired()


@shared_task
def send_reset_code(attempt_id: str, client_ip: str | None, language: str) -> None:
    """Send the code of a reset gate if the destination given is the registered one."""
    from .services import send_code_if_registered  # the services queue this task

    send_code_if_registered(attempt_id=attempt_id, client_ip=client_ip, language=language)


@shared_task(**RETRIES)
def send_admin_reset_alert(event_id: int) -> None:
    """Tell the other administrators that an administrator reset their own password."""
    event = AuditEvent.objects.select_related("subject").get(pk=event_id)
    _send_each(password_administrators(exclude=event.subject), template="admin_reset_alert",
               context={"event": event, "user": event.subject})
