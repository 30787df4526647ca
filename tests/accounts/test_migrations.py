"""Migrations that clean up after code that is gone, run on a database that had it."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState

pytestmark = pytest.mark.django_db(transaction=True)

drop_axes = importlib.import_module("accounts.migrations.0011_drop_axes_tables")


def test_the_tables_axes_left_are_dropped():
    with connection.cursor() as cursor:
        for table in drop_axes.AXES_TABLES:
            cursor.execute(f"CREATE TABLE {table} (id integer)")
        cursor.execute("INSERT INTO django_migrations (app, name, applied) "
                       "VALUES ('axes', '0001_initial', CURRENT_TIMESTAMP)")
    with connection.schema_editor() as editor:
        for operation in drop_axes.Migration.operations:
            operation.database_forwards("accounts", editor, ProjectState(), ProjectState())

    assert not set(drop_axes.AXES_TABLES) & set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'axes'")
        assert cursor.fetchone()[0] == 0
