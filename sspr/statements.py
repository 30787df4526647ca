"""Reads that Django builds and compiles once, then runs many times with new values.

Building a queryset and compiling it to SQL costs several times what the database takes to
run a short indexed read, and a few reads run on nearly every request (the session, the reset
attempt, a policy). Such a read is a `Statement`: a function that builds its queryset, with a
`Param` wherever a value changes from run to run. The first run compiles it; every run after
that sends the kept SQL with the values filled in and reads the rows back through each
column's converters, as Django's own reading does (a time from SQLite made aware, JSON
decoded), from the connection of the thread that runs it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.db import connection
from django.db.models import Expression, Field, Model, QuerySet


class Param(Expression):
    """A value given at each run, by name, made ready for the database by `field` (a key as
    the backend stores it, a time in the connection's form); a compiled statement carries a
    `Slot` where it goes."""

    def __init__(self, name: str, field: Field) -> None:
        super().__init__(field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [Slot(self.name, self.output_field)]


@dataclass(frozen=True)
class Slot:
    name: str
    field: Field

    def value(self, values: dict):
        return self.field.get_db_prep_value(values[self.name], connection)


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple, Any], ...]  # (column, its converters, its expression)


class Statement:
    def __init__(self, build: Callable[[], QuerySet]) -> None:
        self.build = build
        self.compiled: Compiled | None = None

    def _compiled(self) -> Compiled:
        if self.compiled is None:
            self.compiled = self._compile()
        return self.compiled

    def _compile(self) -> Compiled:
        queryset = self.build()
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        columns = [column for column, _sql, _alias in compiler.select]
        converters = tuple((at, tuple(found), expression) for at, (found, expression)
                           in compiler.get_converters(columns).items())
        names = tuple(alias or column.target.attname
                      for column, _sql, alias in compiler.select)
        return Compiled(sql, tuple(params), names, converters)

    def rows(self, **values) -> list[list]:
        """Every row, each a list of the columns' values as Django reads them."""
        compiled = self._compiled()
        params = [p.value(values) if isinstance(p, Slot) else p for p in compiled.params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for at, converters, expression in compiled.converters:
                for converter in converters:
                    row[at] = converter(row[at], expression, connection)
        return rows

    def row(self, **values) -> dict | None:
        """The first row as a dict by column name (a field's attribute name), or None."""
        rows = self.rows(**values)
        return dict(zip(self.names, rows[0], strict=True)) if rows else None

    @property
    def names(self) -> tuple[str, ...]:
        return self._compiled().names


def per_record(build: Callable[..., QuerySet | None]) -> Callable[..., Statement | None]:
    """Statements whose shape depends on a record (a policy: which methods count, which
    group may reset), compiled once per version of it.

    `build(record, *options)` gives the queryset, or None when there is nothing to read. The
    key is the value of every field of the record, so a saved change gets a statement of its
    own at once, in every process, with nothing to invalidate.
    """
    @lru_cache(maxsize=32)
    def kept(model: type[Model], values: tuple, options: tuple) -> Statement | None:
        queryset = build(model(**dict(zip(columns(model), values, strict=True))), *options)
        return Statement(lambda: queryset) if queryset is not None else None

    def statement(record: Model, *options) -> Statement | None:
        values = tuple(getattr(record, name) for name in columns(type(record)))
        return kept(type(record), values, options)

    return statement


def columns(model: type[Model], prefix: str = "") -> list[str]:
    """Every column of `model`, by attribute name, each after `prefix` (a relation's path)."""
    return [prefix + name for name in _attnames(model)]


def instance(model: type[Model], values: Sequence) -> Model:
    """A `model` from its `columns` values, as Django's reading makes one: saving it
    updates its row."""
    return model.from_db(connection.alias, _attnames(model), values)


@cache
def _attnames(model: type[Model]) -> tuple[str, ...]:
    return tuple(field.attname for field in model._meta.concrete_fields)
