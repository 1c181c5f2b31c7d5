"""Reading and writing the engines' files (CONTRACTS.md, "Common rules").

Inputs are CSV (UTF-8, header row) or .xlsx (first sheet, same columns). Every problem is an
`InputError` naming the file, the row (the header is row 1, the first data row is row 2) and the
column. Outputs are written to a temporary file beside the target and renamed into place, so no
output is ever left half-written; the SHA-256 of the written bytes is returned.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

# numpy and pandas load on first use, so an engine command's --help starts in a few tenths
# of a second (the heavy imports happen only when a file is actually read).
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

Kind = Literal["str", "int", "float", "bool01", "choice"]


class InputError(Exception):
    """Bad input: names the file, the row and the column (row/column may be None)."""

    def __init__(
        self, file: str | os.PathLike[str] | None, row: int | None, column: str | None, reason: str
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.reason = reason
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable with its four fields, so it crosses process pools (place_all) intact.
        return (type(self), (self.file, self.row, self.column, self.reason))

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(Path(self.file).name)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        where = ", ".join(parts)
        return f"{where}: {self.reason}" if where else self.reason


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "str"
    required: bool = True
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    # Other headers the column is read under (a Chinese label: 性别), besides its name and
    # "label (name)"; and other spellings of its choices (("男", "M"), ("女", "F")).
    aliases: tuple[str, ...] = ()
    value_aliases: tuple[tuple[str, str], ...] = ()


def _resolve_headers(df: pd.DataFrame, columns: Sequence[Column]) -> None:
    """Rename the headers a file wrote as an alias or as "label (name)" to the column's name
    (CONTRACTS.md: the code may accept more than the contract's names, never less)."""
    import re

    renames: dict[str, str] = {}
    present = set(df.columns)
    for col in columns:
        if col.name in present:
            continue
        for header in df.columns:
            if header in renames:
                continue
            m = re.fullmatch(r"(.*?)\s*[(（]\s*([A-Za-z0-9_]+)\s*[)）]", str(header))
            if header in col.aliases or (
                m and (m.group(2) == col.name or m.group(1) in col.aliases)
            ):
                renames[header] = col.name
                break
    if renames:
        df.columns = [renames.get(c, c) for c in df.columns]


XLSX_MAX_UNZIPPED = 500 * 1024 * 1024
XLSX_MAX_RATIO = 100  # real sheets compress about 10 : 1; a zip bomb 1000 : 1


def _check_xlsx(p: Path) -> None:
    """Refuse a zip bomb from the workbook's zip directory alone, before anything inflates it
    (zipfile never inflates a part beyond the size its directory declares)."""
    try:
        with zipfile.ZipFile(p) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(p, None, None, "cannot be read: not a valid .xlsx workbook") from exc
    total = sum(i.file_size for i in parts)
    if total > XLSX_MAX_UNZIPPED:
        raise InputError(p, None, None, f"refused: unzips to {total >> 20} MB (limit 500 MB)")
    for i in parts:
        if i.file_size > 1 << 20 and i.file_size > XLSX_MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise InputError(
                p, None, None, f"refused: {i.filename} is compressed {ratio}:1 (a zip bomb?)"
            )


def _read_raw(path: str | os.PathLike[str]) -> pd.DataFrame:
    import pandas as pd

    p = Path(path)
    if not p.exists():
        raise InputError(p, None, None, "file not found")
    try:
        if p.suffix.lower() in {".xlsx", ".xlsm"}:
            _check_xlsx(p)
            df = pd.read_excel(p, sheet_name=0, dtype=str, engine="openpyxl")
        else:
            df = pd.read_csv(
                p,
                dtype=str,
                keep_default_na=False,
                na_values=[],
                encoding="utf-8-sig",
                skipinitialspace=False,
            )
    except UnicodeDecodeError as exc:
        raise InputError(p, None, None, "not UTF-8 text") from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(p, 1, None, "empty file: a header row is required") from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(p, None, None, f"cannot be read: {exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    return df.fillna("")


def read_table(path: str | os.PathLike[str], columns: Sequence[Column]) -> pd.DataFrame:
    """Read and type-check a table. Unknown extra columns are kept as text.

    Returns a DataFrame with typed columns (int64, float64, str, bool) in file order.
    """
    df = _read_raw(path)
    _resolve_headers(df, columns)
    for col in columns:
        if col.name not in df.columns:
            if col.required:
                raise InputError(path, 1, col.name, "missing column")
            df[col.name] = "" if col.default is None else str(col.default)
    for col in columns:
        df[col.name] = _convert(path, df, col)
    return df


def _first_bad(mask: np.ndarray[Any, Any]) -> int:
    import numpy as np

    return int(np.flatnonzero(mask)[0]) + 2


def _convert(path: str | os.PathLike[str], df: pd.DataFrame, col: Column) -> pd.Series:
    import numpy as np
    import pandas as pd

    raw = df[col.name].astype(str).str.strip()
    empty = (raw == "").to_numpy()
    if empty.any():
        if col.default is None and col.required:
            raise InputError(path, _first_bad(empty), col.name, "empty value")
        if col.default is not None:
            raw = raw.where(~empty, str(col.default))
            empty = np.zeros(len(raw), dtype=bool)
    if col.kind == "str":
        return raw
    if col.kind == "choice":
        assert col.choices is not None
        if col.value_aliases:
            raw = raw.replace(dict(col.value_aliases))
        bad = ~raw.isin(col.choices).to_numpy() & ~empty
        if bad.any():
            i = _first_bad(bad)
            raise InputError(
                path,
                i,
                col.name,
                f"unknown value {raw.iloc[i - 2]!r} (expected one of {', '.join(col.choices)})",
            )
        return raw
    if col.kind == "bool01":
        bad = ~raw.isin(["0", "1"]).to_numpy() & ~empty
        if bad.any():
            i = _first_bad(bad)
            raise InputError(path, i, col.name, f"expected 0 or 1, got {raw.iloc[i - 2]!r}")
        return raw == "1"
    numbers = pd.to_numeric(raw.where(~empty, None), errors="coerce")
    bad = numbers.isna().to_numpy() & ~empty
    if bad.any():
        i = _first_bad(bad)
        want = "an integer" if col.kind == "int" else "a number"
        raise InputError(path, i, col.name, f"expected {want}, got {raw.iloc[i - 2]!r}")
    values = numbers.to_numpy(dtype="float64")
    if not np.isfinite(values[~empty]).all():
        raise InputError(
            path, _first_bad(~np.isfinite(values) & ~empty), col.name, "not a finite number"
        )
    if col.kind == "int":
        frac = (values != np.floor(values)) & ~empty
        if frac.any():
            i = _first_bad(frac)
            raise InputError(path, i, col.name, f"expected an integer, got {raw.iloc[i - 2]!r}")
    if col.min is not None and (values[~empty] < col.min).any():
        i = _first_bad((values < col.min) & ~empty)
        raise InputError(path, i, col.name, f"must be ≥ {col.min:g}, got {raw.iloc[i - 2]!r}")
    if col.max is not None and (values[~empty] > col.max).any():
        i = _first_bad((values > col.max) & ~empty)
        raise InputError(path, i, col.name, f"must be ≤ {col.max:g}, got {raw.iloc[i - 2]!r}")
    if col.kind == "int":
        return pd.Series(np.where(empty, 0, values).astype("int64"), index=df.index)
    return pd.Series(values, index=df.index)


def check_unique(path: str | os.PathLike[str], df: pd.DataFrame, cols: Sequence[str]) -> None:
    """Raise on the first row that repeats an earlier row's values in `cols`."""
    dup = df.duplicated(subset=list(cols), keep="first").to_numpy()
    if dup.any():
        i = _first_bad(dup)
        vals = ", ".join(f"{c}={df[c].iloc[i - 2]!r}" for c in cols)
        raise InputError(path, i, cols[-1], f"duplicate ({vals})")


def check_known(
    path: str | os.PathLike[str], df: pd.DataFrame, col: str, known: Iterable[Any], what: str
) -> None:
    """Raise on the first row whose `col` is not among `known` (e.g. an unknown offering id)."""
    import pandas as pd

    bad = ~df[col].isin(list(known) if not isinstance(known, pd.Index | set) else known).to_numpy()
    if bad.any():
        i = _first_bad(bad)
        raise InputError(path, i, col, f"unknown {what} {df[col].iloc[i - 2]!r}")


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV text with `\\n` line ends, UTF-8, no index; values written with str()."""
    buf = io.StringIO()
    buf.write(",".join(header) + "\n")
    for row in rows:
        buf.write(",".join(_cell(v) for v in row) + "\n")
    return buf.getvalue().encode("utf-8")


def frame_bytes(df: pd.DataFrame, float_format: str | None = None) -> bytes:
    """A data frame as contract CSV bytes (header row, `\\n`, UTF-8, no index)."""
    text: str = df.to_csv(index=False, lineterminator="\n", float_format=float_format)
    return text.encode("utf-8")


def _cell(v: Any) -> str:
    s = str(v)
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: str | os.PathLike[str], data: bytes) -> str:
    """Write bytes to `path` through a temporary file and a rename; return their SHA-256."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes 0600 files; give the output the mode a plain open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha256_hex(data)


def write_all_atomic(outputs: Sequence[tuple[str | os.PathLike[str] | None, bytes]]) -> None:
    """Write several outputs only after all were computed (callers compute first, then write)."""
    for path, data in outputs:
        if path is not None:
            write_atomic(path, data)
