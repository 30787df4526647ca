"""Hear Django's sign-in, to remind the person about their methods on the next page."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SETUP_CHECK_KEY = "verification.check_setup"


@receiver(user_logged_in)
def check_setup_after_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SETUP_CHECK_KEY] = True
