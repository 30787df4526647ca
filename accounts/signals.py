"""Hear Django's own sign-in signals and write them to the audit log.

Failed tries are audited by the sign-in lockout, which counts them (accounts.lockout).
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .audit import record_event
from .models import AuditEvent


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    record_event(type=AuditEvent.Type.SIGNED_IN, request=request, actor=user, subject=user,
                 identifier=user.username)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(type=AuditEvent.Type.SIGNED_OUT, request=request, actor=user, subject=user)
