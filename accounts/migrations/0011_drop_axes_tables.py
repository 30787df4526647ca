"""Drop what django-axes left behind in databases that ran it.

The sign-in lockout is accounts.lockout now (migration 0007); axes' tables would otherwise
keep failed sign-in records (user IDs and addresses) that nothing reads or expires.
"""

from django.db import migrations

AXES_TABLES = ["axes_accessattemptexpiration", "axes_accessattempt", "axes_accessfailurelog",
               "axes_accesslog"]


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_lockout_names")]

    operations = [
        migrations.RunSQL([f"DROP TABLE IF EXISTS {table}" for table in AXES_TABLES]
                          + ["DELETE FROM django_migrations WHERE app = 'axes'"],
                          migrations.RunSQL.noop),
    ]
