from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInLockout(models.Model):
    """The sign-in failures and lockouts of one account key (see accounts.lockout).

    One row per key, known account or not, changed only under its own row lock: nothing that
    happens to one key ever touches another's row.
    """

    key = models.CharField(_("user ID"), max_length=254, unique=True)
    # Wrong passwords since the last lockout, success, reset or unlock.
    failures = models.PositiveIntegerField(_("wrong passwords"), default=0)
    last_failure_at = models.DateTimeField(null=True)
    # Lockouts in a row: each one lasts twice as long as the one before (SPEC 6.1).
    streak = models.PositiveIntegerField(_("lockouts in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True)

    class Meta:
        verbose_name = _("sign-in lockout")
        verbose_name_plural = _("sign-in lockouts")

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failures, {self.streak} lockouts"
