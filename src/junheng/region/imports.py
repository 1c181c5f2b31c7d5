"""Uploaded spreadsheets in, workbooks out: the file side of region import and export.

`read_table` turns an uploaded .xlsx or .csv into a tablib Dataset whose headers are the
columns' canonical keys, keeping each data row's spreadsheet row number (header = row 1) so
every error can name the row a clerk sees in Excel. It picks the sheet that has the code
column (a workbook may carry a notes sheet or other sheets), decodes CSV saved by Chinese
Excel (GB18030) as well as UTF-8, skips blank rows, and reports file-level problems (empty
file, unreadable file, wrong sheet, missing required column, a column given twice) as
`RowError`s. The rows themselves are handled by the Resources in `region/resources.py`.

An upload cannot hurt the site (`ImportLimits`, overridable by the `JUNHENG_IMPORT_LIMITS`
setting, a dict of the same names):
- the file's size is checked first;
- an .xlsx is a zip: its central directory (a few hundred bytes at the end of the file) is
  read before openpyxl opens anything, and a workbook that would unzip to more than
  `max_unzipped_bytes`, or has a part compressed more than `max_ratio` : 1 (a zip bomb: real
  sheets compress about 10 : 1), is refused without decompressing a byte. The sizes there are
  safe to trust: Python's zipfile never inflates a member beyond its declared size;
- rows are streamed and the header row is checked before any data row is read, so a file with
  a wrong header is refused at once, however long it is;
- at most `max_rows` data rows and `max_columns` columns are read (a sheet that claims a
  16,384-column dimension is not padded out to it).

Workbooks out are written by the shared `junheng.exports` (`table_xlsx`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import tablib
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from junheng.region.resources import COLUMNS, Column, cell_text, match_header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """What one upload may weigh. The defaults let a county's 45,000 students (a 2.5 MB
    .xlsx that unzips to 27 MB) through with room to spare."""

    max_bytes: int = 50 * MB  # the file as uploaded
    max_rows: int = 1_100_000  # data rows (a city's students fit; more is a mistake)
    max_columns: int = 200  # cells read per row; our widest kind has 13 columns
    max_unzipped_bytes: int = 500 * MB  # an .xlsx's parts, all together, once unzipped
    max_ratio: int = 100  # unzipped : zipped, for a part over 1 MB unzipped
    max_parts: int = 1000  # files inside the .xlsx


def import_limits() -> ImportLimits:
    return replace(ImportLimits(), **getattr(settings, "JUNHENG_IMPORT_LIMITS", {}))


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (None = the whole file), column header, reason."""

    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = _("第 %(row)d 行") % {"row": self.row} if self.row is not None else _("文件")
        if self.column:
            where += _("，「%(column)s」列") % {"column": self.column}
        return f"{where}：{self.reason}"


class FileError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _refuse(reason: str) -> FileError:
    return FileError([RowError(None, "", reason)])


@dataclass
class Table:
    dataset: tablib.Dataset  # headers are column keys
    rows: list[int]  # spreadsheet row number of each dataset row
    headers: dict[str, str] = field(default_factory=dict)  # key -> header as written
    sheet: str = ""

    def header(self, key: str, columns: Sequence[Column]) -> str:
        if key in self.headers:
            return self.headers[key]
        for col in columns:
            if col.key == key or col.attr == key:
                return self.headers.get(col.key, col.header)
        return key


def _megabytes(n: int) -> str:
    return f"{n / MB:.1f}"


def check_size(data: bytes, limits: ImportLimits | None = None) -> None:
    """Refuse a file over the upload limit (before anything else looks at it)."""
    limits = limits or import_limits()
    if len(data) > limits.max_bytes:
        raise _refuse(
            _("文件过大（%(size)s MB，上限 %(limit)s MB）")
            % {"size": _megabytes(len(data)), "limit": _megabytes(limits.max_bytes)}
        )


def check_xlsx(data: bytes, limits: ImportLimits | None = None) -> None:
    """Refuse a workbook that would unzip too large, from its central directory alone.

    Reads only the zip's directory (no member is decompressed), so a zip bomb is refused in
    milliseconds, before openpyxl sees it.
    """
    limits = limits or import_limits()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _refuse(_("无法读取文件：不是有效的 .xlsx 工作簿")) from exc
    if len(parts) > limits.max_parts:
        raise _refuse(
            _("无法读取文件：工作簿内含 %(n)d 个部件，超过上限 %(limit)d 个")
            % {"n": len(parts), "limit": limits.max_parts}
        )
    total = sum(p.file_size for p in parts)
    if total > limits.max_unzipped_bytes:
        raise _refuse(
            _("文件解压后过大（%(size)s MB，上限 %(limit)s MB），已拒绝；请分批导入或另存为 .csv")
            % {"size": _megabytes(total), "limit": _megabytes(limits.max_unzipped_bytes)}
        )
    for part in parts:
        if part.file_size > MB and part.file_size > limits.max_ratio * max(part.compress_size, 1):
            raise _refuse(
                _(
                    "文件异常：其中「%(part)s」解压后 %(size)s MB，压缩比 %(ratio)d∶1"
                    "（正常表格约 10∶1），疑似压缩炸弹，已拒绝"
                )
                % {
                    "part": part.filename[:80],
                    "size": _megabytes(part.file_size),
                    "ratio": part.file_size // max(part.compress_size, 1),
                }
            )


@contextlib.contextmanager
def _open_rows(
    data: bytes, filename: str, code: Column, limits: ImportLimits
) -> Iterator[tuple[Iterator[tuple[Any, ...]], str]]:
    """The cells of the sheet to import, streamed row by row, and the sheet's name ("" for CSV)."""
    name = filename.lower()
    if not data.strip():
        raise _refuse(_("文件为空"))
    if data[:4] == b"\xd0\xcf\x11\xe0" or name.endswith(".xls"):
        raise _refuse(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv"))
    if data[:2] == b"PK":
        with _xlsx_rows(data, code, limits) as opened:
            yield opened
        return
    if name.endswith((".xlsx", ".xlsm")):
        raise _refuse(_("无法读取文件：不是有效的 .xlsx 工作簿"))
    yield _csv_rows(data, limits), ""


def _first_row(ws: Any, limits: ImportLimits) -> tuple[Any, ...]:
    return next(ws.iter_rows(max_row=1, max_col=limits.max_columns, values_only=True), ())


@contextlib.contextmanager
def _xlsx_rows(
    data: bytes, code: Column, limits: ImportLimits
) -> Iterator[tuple[Iterator[tuple[Any, ...]], str]]:
    check_xlsx(data, limits)
    unreadable = _("无法读取文件：不是有效的 .xlsx 工作簿")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _refuse(unreadable) from exc
    try:
        sheets = list(book.worksheets)
        if not sheets:
            raise _refuse(_("工作簿中没有工作表"))
        chosen = sheets[0]
        for ws in sheets:  # the sheet whose header row has the code column
            if any(match_header(h, [code]) for h in _first_row(ws, limits)):
                chosen = ws
                break
        else:
            if len(sheets) > 1:
                names = "、".join(ws.title for ws in sheets)
                raise _refuse(
                    _("找不到含「%(column)s」列的工作表（工作簿中的工作表：%(sheets)s）")
                    % {"column": code.header, "sheets": names}
                )
        # Trust the rows, not the sheet's declared dimension (which may claim A1:XFD1048576).
        chosen.reset_dimensions()

        def rows() -> Iterator[tuple[Any, ...]]:
            try:
                yield from chosen.iter_rows(max_col=limits.max_columns, values_only=True)
            except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
                raise _refuse(unreadable) from exc

        yield rows(), chosen.title
    finally:
        book.close()


def _csv_rows(data: bytes, limits: ImportLimits) -> Iterator[tuple[Any, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost any byte string
        raise _refuse(_("无法读取文件：编码不是 UTF-8 或 GBK"))
    if "\x00" in text:
        raise _refuse(_("无法读取文件：不是 .xlsx 或 .csv 文件"))
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for r in reader:
                yield tuple(r[: limits.max_columns])
        except csv.Error as exc:
            raise _refuse(_("无法读取 CSV 文件：%(e)s") % {"e": exc}) from exc

    return rows()


def _blank(row: Iterable[Any]) -> bool:
    return all(cell_text(v) == "" for v in row)


KIND_NAMES = {"schools": _lazy("学校"), "teachers": _lazy("教师"), "students": _lazy("学生")}


def _looks_like(
    header_row: Sequence[Any], columns: Sequence[Column], kinds: Mapping[str, Sequence[Column]]
) -> str | None:
    """The other kind whose required columns this header row has, if any."""
    for kind, other in kinds.items():
        if list(other) == list(columns):
            continue
        found = {c.key for c in (match_header(h, other) for h in header_row) if c is not None}
        if all(c.key in found for c in other if c.required):
            return kind
    return None


def _header_keys(
    header_row: Sequence[Any],
    number: int,
    columns: Sequence[Column],
    kinds: Mapping[str, tuple[Any, Sequence[Column]]],
) -> tuple[list[tuple[int, str]], dict[str, str]]:
    """(cell index, column key) of each known column, and the header as written; or the
    file's errors (missing or repeated columns) as a FileError."""
    keys: list[tuple[int, str]] = []
    written: dict[str, str] = {}
    errors: list[RowError] = []
    for j, cell in enumerate(header_row):
        col = match_header(cell, columns)
        if col is None:
            continue  # an extra column (notes, say) is left alone
        if col.key in written:
            errors.append(
                RowError(
                    number,
                    cell_text(cell),
                    _("与「%(other)s」列重复") % {"other": written[col.key]},
                )
            )
            continue
        written[col.key] = cell_text(cell)
        keys.append((j, col.key))
    missing = [col for col in columns if col.required and col.key not in written]
    errors += [RowError(number, col.header, _("缺少必填列")) for col in missing]
    if missing:
        guess = _looks_like(header_row, columns, {k: cols for k, (_n, cols) in kinds.items()})
        if guess:
            errors.insert(
                0,
                RowError(
                    None,
                    "",
                    _("这似乎是「%(kind)s」文件，请在「导入内容」中选择对应的类型")
                    % {"kind": kinds[guess][0]},
                ),
            )
    if errors:
        raise FileError(errors)
    return keys, written


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    limits: ImportLimits | None = None,
    *,
    anchor: str = "code",
    kinds: Mapping[str, tuple[Any, Sequence[Column]]] | None = None,
) -> Table:
    """Parse an upload into a Table, or raise FileError listing every file-level error.

    The header (the first non-blank row) is checked before any data row is read. `anchor` is
    the key of the column that picks the sheet of a workbook; `kinds` (name → (label,
    columns)) are the files one might upload instead, named when the header looks like one of
    them (default: the region's schools, teachers and students). Other apps' imports (growth
    portraits' records, say) call this with their own columns.
    """
    limits = limits or import_limits()
    check_size(data, limits)
    if kinds is None:
        kinds = {k: (KIND_NAMES[k], cols) for k, cols in COLUMNS.items()}
    code = next(c for c in columns if c.key == anchor)
    with _open_rows(data, filename, code, limits) as (raw, sheet):
        number = 0  # spreadsheet row number of the row just read
        header_row: tuple[Any, ...] | None = None
        for row in raw:
            number += 1
            if not _blank(row):
                header_row = row
                break
        if header_row is None:
            raise _refuse(_("文件为空"))
        keys, written = _header_keys(header_row, number, columns, kinds)
        dataset = tablib.Dataset(headers=[k for _j, k in keys])
        numbers: list[int] = []
        for row in raw:
            number += 1
            if _blank(row):
                continue
            if len(numbers) >= limits.max_rows:
                raise _refuse(_("行数过多（最多 %(n)d 行）") % {"n": limits.max_rows})
            dataset.append([row[j] if j < len(row) else None for j, _k in keys])
            numbers.append(number)
    if not numbers:
        raise _refuse(_("文件中没有数据行（只有表头）"))
    return Table(dataset=dataset, rows=numbers, headers=written, sheet=sheet)
