"""The password history moves from its own table into the user row (previous_passwords)."""

from datetime import timedelta
from itertools import groupby

from django.db import migrations, models
from django.utils import timezone

BATCH = 1000


def into_the_row(apps, schema_editor):
    """Copy each user's remembered hashes, newest first, as many as the rule reads."""
    User = apps.get_model("accounts", "User")
    PasswordHistory = apps.get_model("accounts", "PasswordHistory")
    policy = apps.get_model("accounts", "PasswordPolicy").objects.filter(pk=1).first()
    keep = max((policy.history_count if policy else 5) - 1, 0)
    rows = (PasswordHistory.objects.order_by("user_id", "-created_at", "-id")
            .values_list("user_id", "password").iterator(chunk_size=BATCH))
    changed = []
    for user_id, hashes in groupby(rows, key=lambda row: row[0]):
        changed.append(User(pk=user_id, previous_passwords=[h for _, h in hashes][:keep]))
        if len(changed) == BATCH:
            User.objects.bulk_update(changed, ["previous_passwords"])
            changed = []
    User.objects.bulk_update(changed, ["previous_passwords"])


def into_the_table(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    PasswordHistory = apps.get_model("accounts", "PasswordHistory")
    now = timezone.now()
    PasswordHistory.objects.bulk_create(
        PasswordHistory(user_id=pk, password=h, created_at=now - timedelta(seconds=age))
        for pk, hashes in User.objects.exclude(previous_passwords=[])
        .values_list("pk", "previous_passwords").iterator(chunk_size=BATCH)
        for age, h in enumerate(hashes))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0011_drop_axes_tables"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="previous_passwords",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(into_the_row, into_the_table),
        migrations.DeleteModel(
            name="PasswordHistory",
        ),
    ]
