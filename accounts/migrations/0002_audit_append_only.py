"""Make the audit log append-only in the database itself.

An application bug, an admin action or a stray `queryset.update()` cannot rewrite history:
the database refuses. Deletes are refused on PostgreSQL (production); on SQLite (laptop and
unit tests) the test runner empties tables with DELETE, so only updates are refused there.
"""

from django.db import migrations

POSTGRES_UP = [
    """CREATE FUNCTION accounts_auditevent_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER accounts_auditevent_append_only ON accounts_auditevent",
    "DROP FUNCTION accounts_auditevent_refuse()",
]
SQLITE_UP = [
    """CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE ON accounts_auditevent
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER accounts_auditevent_append_only"]


def _run(sql_by_vendor):
    def run(apps, schema_editor):
        for statement in sql_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
