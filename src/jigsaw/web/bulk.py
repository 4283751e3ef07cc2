"""Insert many new rows fast, inside the caller's transaction (a bulk import).

Django's ``bulk_create`` compiles every value of every row into SQL text through the field's
machinery, some tens of microseconds a value: at a hundred thousand rows of a dozen fields that is
most of an import. :func:`rows_insert` gives the objects their ids first (taken from the table's
own sequence, so nothing else can take them), then inserts the rows (:func:`rows_write`: one
prepared statement run for every row), handing the driver plain values: text, numbers and booleans as they are, and
only dates, times and JSON through the field's conversion for the database. The objects are then
as saved: their ``pk`` set, usable as foreign keys of the next insert.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models, transaction

# Values of these fields go to the driver as they are (an enum as its value).
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.FloatField,
    models.ForeignKey,
)


def converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """Return how ``field``'s values go to the driver in a raw statement: text, numbers and
    booleans as they are (an enum as its value); anything else through the field's own
    conversion, once for each distinct date or time (a bulk load repeats the same few)."""
    if isinstance(field, _PLAIN) and not isinstance(field, models.AutoField):

        def plain(value: Any) -> Any:
            return value.value if isinstance(value, enum.Enum) else value

        return plain
    # The connection itself, not django.db's proxy to it (a lookup on every attribute).
    real = transaction.get_connection()
    seen: dict[Any, Any] = {}

    def converted(value: Any) -> Any:
        if isinstance(value, dt.date):  # datetimes too
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, real)
            return seen[value]
        return field.get_db_prep_save(value, real)

    return converted


def ids_take(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` new ids of ``model``'s table, in increasing order, for :func:`rows_insert`:
    from the table's sequence (PostgreSQL: nobody else can take them; those not used are a gap),
    or after its highest one (SQLite: the caller's transaction holds the write lock from its
    start, so nobody else inserts until it ends).

    Raises
    ------
    RuntimeError
        Outside a transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ids_take() must run inside the caller's transaction")
    table = model._meta.db_table
    column = next(f.column for f in model._meta.concrete_fields if f.primary_key)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [int(row[0]) for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT max(id) FROM (SELECT max({quote(column)}) AS id FROM {quote(table)} "  # noqa: S608 - names from the model
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        start = int(cursor.fetchone()[0] or 0)
        return list(range(start + 1, start + 1 + count))


def rows_insert(objects: Sequence[models.Model]) -> None:
    """Insert new objects of one model in one pass; each gets its id, unless all were given ids
    by :func:`ids_take` first (a caller that must name them before they are stored).

    Raises
    ------
    RuntimeError
        Outside a transaction (the ids are taken under its lock).
    ValueError
        If the objects are not all of one model, or one already has an id.
    django.db.DatabaseError
        If a row is refused (a constraint); the caller's transaction is then refused with it.
    """
    if not objects:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rows_insert() must run inside the caller's transaction")
    model = type(objects[0])
    if any(type(o) is not model for o in objects):
        raise ValueError("rows_insert() takes objects of one model")
    given = {o.pk is not None for o in objects}
    if given == {True}:
        ids = [int(o.pk) for o in objects]
    elif given == {False}:
        ids = ids_take(model, len(objects))
    else:
        raise ValueError("rows_insert() takes objects all with ids from ids_take(), or none")
    fields = [f for f in model._meta.concrete_fields]
    convert = [converter(f) for f in fields]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    if any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields):
        raise ValueError(f"{model.__name__} sets a time on save: use bulk_create")
    rows = [
        [c(getattr(obj, f.attname)) for f, c in zip(fields, convert, strict=True)]
        for obj in objects
    ]
    rows_write(model._meta.db_table, [f.column for f in fields], rows)


def rows_write(table: str, columns: list[str], rows: list[list[Any]]) -> None:
    """``INSERT`` ``rows`` (values ready for the driver) into ``table``, one row per run of one
    prepared statement, in the order given (a row trigger sees the rows before it).

    SQLite runs it in-process (``executemany``). On PostgreSQL, Django's cursor binds values into
    the SQL text on the client, value by value; a cursor of psycopg's own binds them on the server
    and sends the runs together (psycopg's pipeline), a few round trips for thousands of rows.
    """
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model only
        quote(table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    if connection.vendor == "postgresql":
        import psycopg

        real = transaction.get_connection()
        real.ensure_connection()
        with psycopg.Cursor(real.connection) as cursor:
            cursor.executemany(sql, rows)
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
