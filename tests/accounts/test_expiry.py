"""A new expiry rule never mails everyone at once: only new windows, spread, previewed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordPolicy
from accounts.policies import update_policy
from accounts.tasks import sweep_password_expiry_reminders
from tests.factories import UserFactory
from verification.models import OutboxEntry

# Real commits: each reminder is a message sent once the sweep's transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


def set_expiry(actor, days, reminder):
    policy = PasswordPolicy.current()
    policy.expiry_days, policy.expiry_reminder_days = days, reminder
    update_policy(policy=policy, actor=actor)


def test_setting_an_expiry_mails_nobody_whose_window_was_already_open(admin_user, time_machine):
    time_machine.move_to("2026-06-01 08:00Z")
    long_ago = timezone.now() - timedelta(days=30)
    for n in range(20):
        UserFactory(email=f"u{n}@example.org", password_changed_at=long_ago)

    set_expiry(admin_user, 14, 14)

    assert sweep_password_expiry_reminders() == 0
    assert not OutboxEntry.objects.exists()


def test_those_whose_window_opens_later_are_reminded_as_it_opens(admin_user, time_machine):
    time_machine.move_to("2026-06-01 08:00Z")
    fresh = UserFactory(email="fresh@example.org",
                        password_changed_at=timezone.now() - timedelta(days=1))
    set_expiry(admin_user, 14, 7)
    assert sweep_password_expiry_reminders() == 0

    time_machine.move_to("2026-06-07 09:00Z")

    assert sweep_password_expiry_reminders() == 1
    (mail,) = OutboxEntry.objects.all()
    assert mail.to == fresh.email


def test_a_crowd_entering_the_window_together_is_spread_over_hours(
        admin_user, time_machine, settings):
    settings.SSPR_EXPIRY_REMINDERS_PER_HOUR = 3
    time_machine.move_to("2026-06-01 08:00Z")
    set_expiry(admin_user, 14, 7)
    for n in range(7):
        UserFactory(email=f"u{n}@example.org", password_changed_at=timezone.now())

    time_machine.move_to("2026-06-08 09:00Z")
    assert sweep_password_expiry_reminders() == 3
    time_machine.move_to("2026-06-08 10:00Z")
    assert sweep_password_expiry_reminders() == 3
    time_machine.move_to("2026-06-08 11:00Z")
    assert sweep_password_expiry_reminders() == 1
    assert OutboxEntry.objects.count() == 7


def test_the_policy_page_previews_the_counts_before_saving(admin_client, time_machine):
    time_machine.move_to("2026-06-01 08:00Z")
    now = timezone.now()
    for days in (40, 20, 10, 3):  # expired, inside the window, opening this week, later
        UserFactory(password_changed_at=now - timedelta(days=days))
    url = reverse("admin:accounts_passwordpolicy_change", args=[PasswordPolicy.current().pk])
    form = {"banned_terms": "", "min_strength": 3, "history_count": 5, "expiry_days": 30,
            "expiry_reminder_days": 14, "temporary_password_days": 7}

    preview = admin_client.post(url, form)

    assert preview.status_code == 200
    counts = preview.context["preview"]
    assert (counts.expired, counts.inside_window, counts.reminded_first_week) == (1, 1, 1)
    assert PasswordPolicy.current().expiry_days == 0
    html = preview.content.decode()
    assert "No email goes to them" in html

    saved = admin_client.post(url, {**form, "_confirmed": "yes"})

    assert saved.status_code == 302
    assert PasswordPolicy.current().expiry_days == 30
