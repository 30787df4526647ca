from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, PasswordPolicy, ResetPolicy, User
from accounts.policies import impact_of
from tests.admin_session import admin_login
from tests.factories import UserFactory
from verification.models import ContactMethod

pytestmark = pytest.mark.django_db

CHANGE = "admin:accounts_resetpolicy_change"


class TwoRegistered:
    """A stand-in for the verification app's registration data: who registered what."""

    usernames = {"ann", "ben"}

    @classmethod
    def registered_users(cls, policy):
        # With two methods required only ann has enough; with one, both do.
        names = {"ann"} if policy.methods_required == 2 else cls.usernames
        return User.objects.filter(username__in=names)

    @staticmethod
    def registrations_by_method():
        return {"email": 2, "authenticator": 1}


def form_data(policy, **changes) -> dict:
    data = {k: v for k, v in model_to_dict(policy).items() if k != "id"}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data["enabled_group"] = data.get("enabled_group") or ""
    return {**data, **changes}


def test_the_list_goes_straight_to_the_one_policy_record(admin_client):
    response = admin_client.get(reverse("admin:accounts_resetpolicy_changelist"))
    assert response["Location"] == reverse(CHANGE, args=[ResetPolicy.current().pk])


def test_a_change_is_audited_with_old_and_new_values(admin_client):
    policy = ResetPolicy.current()

    response = admin_client.post(reverse(CHANGE, args=[policy.pk]),
                                 form_data(policy, reconfirm_days=90))

    assert response.status_code == HTTPStatus.FOUND
    event = AuditEvent.objects.get(type=AuditEvent.Type.POLICY_CHANGED)
    assert event.details == {"policy": "resetpolicy", "changes": {"reconfirm_days": [180, 90]}}
    assert ResetPolicy.current().reconfirm_days == 90


def test_the_password_policy_change_is_audited_too(admin_client):
    policy = PasswordPolicy.current()
    data = {k: v for k, v in model_to_dict(policy).items() if k != "id"}
    data = {k: v for k, v in data.items() if v is not False}
    admin_client.post(reverse("admin:accounts_passwordpolicy_change", args=[policy.pk]),
                      {**data, "expiry_days": 90, "_confirmed": "yes"})
    event = AuditEvent.objects.get(type=AuditEvent.Type.POLICY_CHANGED)
    assert event.details["changes"] == {"expiry_days": [0, 90]}


@pytest.mark.parametrize(("changes", "field"), [
    ({"questions_to_register": 3, "questions_to_answer": 4}, "questions_to_answer"),
    ({"reconfirm_days": 731}, "reconfirm_days"),
    ({"questions_to_register": 6}, "questions_to_register"),
    ({"enabled_for": "group"}, "enabled_group"),
    ({"methods_required": 3}, "methods_required"),
])
def test_an_invalid_policy_is_refused_and_not_saved(admin_client, changes, field):
    policy = ResetPolicy.current()
    response = admin_client.post(reverse(CHANGE, args=[policy.pk]),
                                 {**form_data(policy), **changes, "_confirmed": "yes"})
    assert response.status_code == HTTPStatus.OK
    assert field in response.context["adminform"].form.errors
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.POLICY_CHANGED).exists()


def test_password_expiry_must_be_never_or_14_to_730_days(admin_client):
    policy = PasswordPolicy.current()
    data = {k: v for k, v in model_to_dict(policy).items() if k != "id" and v is not False}
    response = admin_client.post(reverse("admin:accounts_passwordpolicy_change",
                                         args=[policy.pk]), {**data, "expiry_days": 7})
    assert "expiry_days" in response.context["adminform"].form.errors


def test_tightening_shows_how_many_users_could_no_longer_reset_and_can_be_cancelled(
    admin_client, settings
):
    settings.SSPR_REGISTRATION_DATA = "tests.accounts.test_admin_policies.TwoRegistered"
    UserFactory(username="ann")
    UserFactory(username="ben")
    policy = ResetPolicy.current()

    response = admin_client.post(reverse(CHANGE, args=[policy.pk]),
                                 form_data(policy, methods_required=2))

    assert response.status_code == HTTPStatus.OK
    assert response.context["impact"] == 1
    assert "1 user who can reset their password today could no longer do so" in (
        response.content.decode())
    assert ResetPolicy.current().methods_required == 1  # nothing saved until confirmed

    confirmed = admin_client.post(reverse(CHANGE, args=[policy.pk]),
                                  form_data(policy, methods_required=2, _confirmed="yes"))
    assert confirmed.status_code == HTTPStatus.FOUND
    assert ResetPolicy.current().methods_required == 2


def test_the_impact_counts_registered_users_outside_a_narrower_group():
    group = Group.objects.create(name="pilot")
    inside, outside = UserFactory(), UserFactory()
    UserFactory()  # registered nothing
    inside.groups.add(group)
    UserFactory(is_active=False), UserFactory(password_managed_elsewhere=True)
    for user in [inside, outside]:
        ContactMethod.objects.create(user=user, kind="phone", destination="+46701234567")
    current = ResetPolicy.current()
    proposed = ResetPolicy(pk=current.pk, enabled_for="group", enabled_group=group)

    # Only `outside` could reset before and could not after: the unregistered never could.
    assert impact_of(current=current, proposed=proposed) == 1


def test_the_impact_of_asking_for_two_methods_counts_those_with_one():
    one, two = UserFactory(), UserFactory()
    for user in [one, two]:
        ContactMethod.objects.create(user=user, kind="phone", destination="+46701234567")
    ContactMethod.objects.create(user=two, kind="email", destination="two@example.net")
    current = ResetPolicy.current()
    proposed = ResetPolicy(pk=current.pk, methods_required=2)
    assert impact_of(current=current, proposed=proposed) == 1


def test_loosening_the_policy_saves_without_a_warning(admin_client):
    policy = ResetPolicy.current()
    policy.methods_required = 2
    policy.save()
    response = admin_client.post(reverse(CHANGE, args=[policy.pk]),
                                 form_data(policy, methods_required=1))
    assert response.status_code == HTTPStatus.FOUND
    assert ResetPolicy.current().methods_required == 1


def test_staff_without_permission_cannot_change_the_policy():
    clerk = UserFactory(is_staff=True)
    client = Client()
    admin_login(client, clerk)
    policy = ResetPolicy.current()
    response = client.post(reverse(CHANGE, args=[policy.pk]),
                           form_data(policy, show_account_state="on"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ResetPolicy.current().show_account_state
