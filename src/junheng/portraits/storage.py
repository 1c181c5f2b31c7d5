"""Writing many portrait rows fast (成长记录批量写入): the one way records and scores are stored.

The demo county has 1.7 million records and 450,000 dimension scores; a city import a million
records. Django's `bulk_create` builds a model object per row, and the DB-API's `executemany`
runs one INSERT per row (on SQLite each of them also rewrites the table's `sqlite_sequence`
entry, found by a scan). Here rows go straight through the DB-API connection:

- **SQLite**: multi-row ``INSERT … VALUES (?,…),(?,…),…`` statements of as many rows as
  SQLite's variable limit allows (at most `SQLITE_ROWS` a statement);
- **PostgreSQL**: ``COPY … FROM STDIN`` (psycopg 3's ``cursor.copy``); when the ids are wanted
  they are taken from the table's sequence first (``nextval``) and copied with the rows.

All of one call is written in one transaction (a savepoint inside the caller's): every row or
none. Values must already be what the columns take (a decimal as text or number, a timestamp
through `db_value`, JSON as text).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any, Final

from django.db import connection, models, transaction
from django.utils import timezone

SQLITE_ROWS: Final = 500  # rows per INSERT on SQLite (bigger statements gain nothing)
SQLITE_CACHE_KIB: Final = 256 * 1024  # page cache while inserting (SQLite's default: 2 MiB)
COPY_ROWS: Final = 50_000  # rows per COPY on PostgreSQL (keeps the Python side's memory small)

# The columns of a portrait record as `write_records` takes them.
RECORD_FIELDS: Final = (
    "student_id", "term_id", "indicator", "kind", "value", "note", "evidence", "source",
    "recorded_by_id", "created_at",
)  # fmt: skip


def db_value(value: Any) -> Any:
    """A timestamp as the connection's DB-API driver takes it (SQLite stores UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning_ids: bool = False,
) -> list[int]:
    """Insert `rows` (one value per field, in `fields` order) into `model`'s table in one
    transaction; returns the new rows' ids in row order when `returning_ids`, else []."""
    table = model._meta.db_table
    columns = [_column(model, f) for f in fields]
    ids: list[int] = []
    with transaction.atomic(), connection.wrap_database_errors:  # Django's error types
        connection.ensure_connection()
        raw = connection.connection
        if connection.vendor == "postgresql":
            _copy(raw, table, columns, rows, ids if returning_ids else None)
        else:
            _insert_sqlite(raw, table, columns, rows, ids if returning_ids else None)
    return ids


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field.column


def _quoted(table: str, columns: Sequence[str]) -> tuple[str, str]:
    q = connection.ops.quote_name
    return q(table), ", ".join(q(c) for c in columns)


def _insert_sqlite(
    raw: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
    ids: list[int] | None,
) -> None:  # fmt: skip
    import sqlite3

    width = len(columns)
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per = max(1, min(SQLITE_ROWS, limit // width))
    name, cols = _quoted(table, columns)
    one = "(" + ", ".join(["?"] * width) + ")"
    tail = " RETURNING id" if ids is not None else ""

    def sql(n: int) -> str:
        return f"INSERT INTO {name} ({cols}) VALUES {', '.join([one] * n)}{tail}"  # noqa: S608

    full = sql(per)
    cur = raw.cursor()
    # a bigger page cache while the table's index takes a million rows (a third faster)
    (cache,) = cur.execute("PRAGMA cache_size").fetchone()
    cur.execute(f"PRAGMA cache_size = {min(int(cache), -SQLITE_CACHE_KIB)}")
    try:
        it = iter(rows)
        while batch := list(itertools.islice(it, per)):
            params = list(itertools.chain.from_iterable(batch))
            if len(params) != width * len(batch):
                raise ValueError(f"each row must have {width} values")
            cur.execute(full if len(batch) == per else sql(len(batch)), params)
            if ids is not None:
                # one statement inserts its rows in VALUES order with increasing ids
                ids.extend(sorted(r[0] for r in cur.fetchall()))
    finally:
        cur.execute(f"PRAGMA cache_size = {int(cache)}")
        cur.close()


def _copy(
    raw: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
    ids: list[int] | None,
) -> None:  # fmt: skip
    it = iter(rows)
    with raw.cursor() as cur:
        while batch := list(itertools.islice(it, COPY_ROWS)):
            cols = list(columns)
            if ids is not None:
                cur.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, len(batch)],
                )
                new = [int(r[0]) for r in cur.fetchall()]
                ids.extend(new)
                batch = [(i, *row) for i, row in zip(new, batch, strict=True)]
                cols = ["id", *cols]
            name, quoted = _quoted(table, cols)
            with cur.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                for row in batch:
                    if len(row) != len(cols):
                        raise ValueError(f"each row must have {len(columns)} values")
                    copy.write_row(row)


def write_records(rows: Iterable[Sequence[Any]], *, returning_ids: bool = False) -> list[int]:
    """Store portrait records given as `RECORD_FIELDS` tuples (the demo's, an import's)."""
    from junheng.portraits.models import PortraitRecord

    return insert_rows(PortraitRecord, RECORD_FIELDS, rows, returning_ids=returning_ids)


def create_records(objs: Sequence[Any]) -> None:
    """Store unsaved `PortraitRecord`s (an import's checked rows, the API's) through
    `write_records`, setting their ids and creation time as `bulk_create` would."""
    now = timezone.now()
    stamp = db_value(now)
    ids = write_records(
        (
            (o.student_id, o.term_id, o.indicator, o.kind, o.value, o.note,
             str(o.evidence or ""), o.source, o.recorded_by_id, stamp)
            for o in objs
        ),
        returning_ids=True,
    )  # fmt: skip
    for o, pk in zip(objs, ids, strict=True):
        o.pk = pk
        o.created_at = now
        o._state.adding = False
        o._state.db = connection.alias
