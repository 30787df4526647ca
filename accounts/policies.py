"""Changing the two policy records, and what a change would do to who can reset.

Whether a user has registered enough methods is known only to the verification app, which
`accounts` must never import (reset → verification → accounts). It is reached through one
object named by SSPR_REGISTRATION_DATA; until verification provides one, the neutral
`NoRegistrationData` below says "unknown" and the pages say so.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .audit import record_event
from .models import AuditEvent, PasswordPolicy, ResetPolicy, User


class NoRegistrationData:
    """The registration hook's interface, answering "unknown" to every question.

    A replacement (SSPR_REGISTRATION_DATA = "verification.<module>.<Class>") implements:

    - `registered_users(policy)`: the users who have registered enough verified methods to
      reset under `policy` (a ResetPolicy, possibly unsaved), or None when unknown;
    - `registrations_by_method()`: {method label: users with it verified}, or None.
    """

    @staticmethod
    def registered_users(policy: ResetPolicy) -> QuerySet[User] | None:
        return None

    @staticmethod
    def registrations_by_method() -> dict[str, int] | None:
        return None


def registration_data():
    return import_string(settings.SSPR_REGISTRATION_DATA)


def enabled_users(policy: ResetPolicy) -> QuerySet[User]:
    """Active users whom `policy` lets reset their own password, registered or not."""
    users = User.objects.filter(is_active=True, password_managed_elsewhere=False)
    if policy.enabled_for == ResetPolicy.EnabledFor.NONE:
        return users.none()
    if policy.enabled_for == ResetPolicy.EnabledFor.GROUP:
        return users.filter(groups=policy.enabled_group_id)
    return users


def users_able_to_reset(policy: ResetPolicy) -> QuerySet[User]:
    users = enabled_users(policy)
    registered = registration_data().registered_users(policy)
    return users if registered is None else users.filter(pk__in=registered.values("pk"))


def impact_of(*, current: ResetPolicy, proposed: ResetPolicy) -> int:
    """How many users who can reset under `current` could no longer under `proposed`."""
    able_now = users_able_to_reset(current)
    return able_now.exclude(pk__in=users_able_to_reset(proposed).values("pk")).count()


def tightens(*, current: ResetPolicy, proposed: ResetPolicy) -> bool:
    """Whether `proposed` asks more of users than `current`, whatever the data says."""
    scope = {ResetPolicy.EnabledFor.NONE: 0, ResetPolicy.EnabledFor.GROUP: 1,
             ResetPolicy.EnabledFor.ALL: 2}
    narrower = scope[proposed.enabled_for] < scope[current.enabled_for] or (
        proposed.enabled_for == current.enabled_for == ResetPolicy.EnabledFor.GROUP
        and proposed.enabled_group_id != current.enabled_group_id)
    methods_off = any(current.method_flags[m] and not on
                      for m, on in proposed.method_flags.items())
    return (narrower or methods_off
            or proposed.methods_required > current.methods_required
            or proposed.questions_to_register > current.questions_to_register
            or (current.questions_may_be_only_gate and not proposed.questions_may_be_only_gate))


def policy_changes(old: dict, new: dict) -> dict[str, list]:
    """{field: [old, new]} for every field that differs, as JSON-friendly values."""
    return {name: [_plain(old.get(name)), _plain(value)]
            for name, value in new.items() if old.get(name) != value}


def _plain(value):
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def update_policy(*, policy: ResetPolicy | PasswordPolicy, actor: User,
                  request: HttpRequest | None = None) -> dict[str, list]:
    """Save an edited policy record and audit its old and new values (POLICY_CHANGED)."""
    with transaction.atomic():
        stored = type(policy).objects.select_for_update().get(pk=policy.pk)
        changes = policy_changes(model_to_dict(stored), model_to_dict(policy))
        policy.save()
        if changes:
            record_event(type=AuditEvent.Type.POLICY_CHANGED, request=request, actor=actor,
                         details={"policy": policy._meta.model_name, "changes": changes})
    return changes
