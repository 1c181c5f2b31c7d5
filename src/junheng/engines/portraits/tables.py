"""Loading the portrait engine's tables into DuckDB with file/row/column errors.

A table is a path (CSV with a header row, Parquet, or .xlsx: first sheet) or a data frame.
It is copied into a DuckDB table in file order (DuckDB keeps insertion order, so `rowid + 2` is
the file row, the header being row 1), checked column by column in one scan, and typed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TypeAlias

import duckdb
import pandas as pd

from junheng.engines.io import InputError

Source: TypeAlias = str | os.PathLike[str] | pd.DataFrame
Kind = Literal["str", "int", "decimal", "choice"]
DECIMAL: Final = "DECIMAL(18,4)"


@dataclass(frozen=True)
class Col:
    name: str
    kind: Kind = "str"
    required: bool = True
    default: str | None = None
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


SQL_TYPES: Final = {"str": "VARCHAR", "choice": "VARCHAR", "int": "BIGINT", "decimal": DECIMAL}


def _header(path: Path, label: str) -> list[str]:
    import csv

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise InputError(label, None, None, "not UTF-8 text") from exc
    if not first:
        raise InputError(label, 1, None, "empty file: a header row is required")
    return [h.strip() for h in first]


def load_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    cols: tuple[Col, ...],
    label: str,
    *,
    empty_ok: bool = False,
) -> int:
    """The fast path for a large CSV: DuckDB parses the columns straight into their types and
    keeps the rows it cannot convert (``store_rejects``), whose line numbers are the file rows;
    no text copy of the table is made."""
    header = _header(path, label)
    wanted = {c.name: c for c in cols}
    for c in cols:
        if c.name not in header and c.required:
            raise InputError(label, 1, c.name, "missing column")
    types = ", ".join(
        f"{_lit(h or f'column{i}')}: "
        f"{_lit(SQL_TYPES[wanted[h].kind] if h in wanted else 'VARCHAR')}"
        for i, h in enumerate(header)
    )
    raw = f"{table}__raw"
    try:
        con.execute(
            f"CREATE TABLE {raw} AS SELECT * FROM read_csv(?, header = true, delim = ',', "
            "quote = '\"', escape = '\"', auto_detect = false, store_rejects = true, "
            f"rejects_table = '{table}__rejects', rejects_scan = '{table}__scans', "
            f"columns = {{{types}}})",
            [str(path)],
        )
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0][:200]
        raise InputError(label, None, None, f"cannot be read: {reason}") from exc
    bad = con.execute(
        f"SELECT line, column_name, csv_line, error_type FROM {table}__rejects "
        "ORDER BY line LIMIT 1"
    ).fetchone()
    if bad:
        import csv

        col = wanted.get(str(bad[1]))
        if col is None:
            raise InputError(label, int(bad[0]), None, f"cannot be read ({bad[3]})")
        cells: list[str] = next(iter(csv.reader([str(bad[2])])), [])
        idx = header.index(col.name)
        got = cells[idx].strip() if idx < len(cells) else ""
        raise InputError(label, int(bad[0]), col.name, _reason(col, got))
    return _finish(con, table, raw, cols, set(header), label, typed=True, empty_ok=empty_ok)


def load(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: Source,
    cols: tuple[Col, ...],
    label: str,
    *,
    empty_ok: bool = False,
) -> int:
    """Create `table` (columns `_row` and `cols`, typed) from `source`; return its row count.
    A table of no rows (a header only) is refused unless `empty_ok`."""
    if not isinstance(source, pd.DataFrame):
        path = Path(source)
        if not path.exists():
            raise InputError(label, None, None, "file not found")
        if path.suffix.lower() not in {".xlsx", ".xlsm", ".parquet"}:
            if path.stat().st_size == 0:
                raise InputError(label, 1, None, "empty file: a header row is required")
            return load_csv(con, table, path, cols, label, empty_ok=empty_ok)
    raw = f"{table}__raw"
    if isinstance(source, pd.DataFrame):
        con.register(f"{table}__frame", source)
        con.execute(f"CREATE TABLE {raw} AS SELECT * FROM {table}__frame")
        con.unregister(f"{table}__frame")
    else:
        path = Path(source)
        if not path.exists():
            raise InputError(label, None, None, "file not found")
        suffix = path.suffix.lower()
        try:
            if suffix in {".xlsx", ".xlsm"}:
                from junheng.engines.io import _read_raw

                frame = _read_raw(path)
                con.register(f"{table}__frame", frame)
                con.execute(f"CREATE TABLE {raw} AS SELECT * FROM {table}__frame")
                con.unregister(f"{table}__frame")
            elif suffix == ".parquet":
                con.execute(f"CREATE TABLE {raw} AS SELECT * FROM read_parquet(?)", [str(path)])
            else:
                if path.stat().st_size == 0:
                    raise InputError(label, 1, None, "empty file: a header row is required")
                con.execute(
                    f"CREATE TABLE {raw} AS SELECT * FROM read_csv(?, header = true, "
                    "all_varchar = true, delim = ',', quote = '\"', escape = '\"', "
                    "encoding = 'utf-8')",
                    [str(path)],
                )
        except duckdb.Error as exc:
            reason = str(exc).strip().splitlines()[0][:200]
            raise InputError(label, None, None, f"cannot be read: {reason}") from exc
    present = {
        str(r[0]).strip().lstrip("\ufeff"): str(r[0])
        for r in con.execute(f"DESCRIBE {raw}").fetchall()
    }
    return _finish(con, table, raw, cols, present, label, typed=False, empty_ok=empty_ok)


def _finish(
    con: duckdb.DuckDBPyConnection,
    table: str,
    raw: str,
    cols: tuple[Col, ...],
    names: set[str] | dict[str, str],
    label: str,
    *,
    typed: bool,
    empty_ok: bool = False,
) -> int:
    """Check and type `raw` into `table`: typed columns (the CSV path) are only checked for
    empties, ranges and choices; text columns are trimmed and cast."""
    present = names if isinstance(names, dict) else {n: n for n in names}
    exprs: list[str] = []
    checks: list[tuple[Col, str]] = []
    for c in cols:
        numeric = typed and c.kind in ("int", "decimal")
        if c.name in present:
            text = _q(present[c.name]) if typed else f"trim(CAST({_q(present[c.name])} AS VARCHAR))"
        elif c.required:
            raise InputError(label, 1, c.name, "missing column")
        else:
            text = "NULL::VARCHAR"
        empty = f"({text} IS NULL)" if numeric else f"({text} IS NULL OR {text} = '')"
        if c.default is not None:
            text = f"CASE WHEN {empty} THEN {_lit(c.default)} ELSE {text} END"
            empty = "false"
        typed_expr = ""
        if c.kind == "str":
            bad = empty if c.required and c.default is None else "false"
        elif c.kind == "choice":
            allowed = ", ".join(_lit(x) for x in c.choices)
            bad = f"(NOT {empty} AND {text} NOT IN ({allowed}))"
            if c.required and c.default is None:
                bad = f"({empty} OR {bad})"
        else:
            sql_type = "BIGINT" if c.kind == "int" else DECIMAL
            value = text if numeric else f"TRY_CAST({text} AS {sql_type})"
            typed_expr = value
            bad = f"({empty} OR {value} IS NULL)"
            if c.min is not None:
                bad += f" OR {value} < {c.min}"
            if c.max is not None:
                bad += f" OR {value} > {c.max}"
        if c.kind in ("str", "choice"):
            typed_expr = typed_expr_text = f"coalesce({text}, '')"
            del typed_expr_text
        exprs.append(f"{typed_expr} AS {_q(c.name)}")
        checks.append((c, bad))
    firsts = ", ".join(f"min(rowid) FILTER (WHERE {bad})" for _, bad in checks)
    found = con.execute(f"SELECT count(*), {firsts} FROM {raw}").fetchone()
    assert found is not None
    n = int(found[0])
    if n == 0 and not empty_ok:
        raise InputError(label, 2, None, "no rows")
    bad_rows = [(int(r), c) for r, (c, _) in zip(found[1:], checks, strict=True) if r is not None]
    if bad_rows:
        rowid, c = min(bad_rows, key=lambda x: x[0])
        fetched = (
            con.execute(
                f"SELECT CAST({_q(present[c.name])} AS VARCHAR) FROM {raw} WHERE rowid = ?",
                [rowid],
            ).fetchone()
            if c.name in present
            else None
        )
        got = "" if fetched is None or fetched[0] is None else str(fetched[0]).strip()
        raise InputError(label, rowid + 2, c.name, _reason(c, got))
    if typed and all(c.name in present and c.required and c.default is None for c in cols):
        # nothing to convert: a view numbers the rows without copying the table
        listed = ", ".join(_q(c.name) for c in cols)
        con.execute(f"CREATE VIEW {table} AS SELECT (rowid + 2) AS _row, {listed} FROM {raw}")
        return n
    con.execute(
        f"CREATE TABLE {table} AS SELECT (rowid + 2) AS _row, {', '.join(exprs)} FROM {raw}"
    )
    con.execute(f"DROP TABLE {raw}")
    return n


def _reason(c: Col, got: str) -> str:
    if got == "":
        return "empty value"
    if c.kind == "choice":
        return f"unknown value {got!r} (expected one of {', '.join(c.choices)})"
    want = "an integer" if c.kind == "int" else "a number"
    if c.min is not None and c.max is not None:
        want += f" from {c.min} to {c.max}"
    return f"expected {want}, got {got!r}"
