"""Hear Django's and django-axes' own sign-in signals and write them to the audit log."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record_event
from .lockout import lockout_key, note_lockout
from .models import AuditEvent, LockoutStreak, User


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    record_event(type=AuditEvent.Type.SIGNED_IN, request=request, actor=user, subject=user,
                 identifier=user.username)
    # django-axes forgets the failures; the next lockout is a first one again.
    LockoutStreak.objects.filter(key=lockout_key(user.username)).delete()


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record_event(type=AuditEvent.Type.SIGNED_OUT, request=request, actor=user, subject=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    identifier = str(credentials.get("username", ""))
    record_event(
        type=AuditEvent.Type.SIGN_IN_FAILED, outcome=AuditEvent.Outcome.FAILURE,
        request=request, subject=User.objects.get_by_identifier(identifier),
        identifier=identifier,
    )


@receiver(user_locked_out)
def audit_lockout(sender, request, username, **kwargs):
    if note_lockout(username):
        record_event(
            type=AuditEvent.Type.LOCKED_OUT, outcome=AuditEvent.Outcome.FAILURE,
            request=request, subject=User.objects.get_by_identifier(username),
            identifier=username,
        )
