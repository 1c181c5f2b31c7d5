"""Uploaded spreadsheets in, workbooks out: the file side of region import and export.

`read_table` turns an uploaded .xlsx or .csv into a tablib Dataset whose headers are the
columns' canonical keys, keeping each data row's spreadsheet row number (header = row 1) so
every error can name the row a clerk sees in Excel. It picks the sheet that has the code
column (a workbook may carry a notes sheet or other sheets), decodes CSV saved by Chinese
Excel (GB18030) as well as UTF-8, skips blank rows, and reports file-level problems (empty
file, unreadable file, wrong sheet, missing required column, a column given twice) as
`RowError`s. The rows themselves are handled by the Resources in `region/resources.py`.

Workbooks out are written by the shared `junheng.exports` (`table_xlsx`).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from junheng.region.resources import COLUMNS, Column, cell_text, match_header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_100_000  # a city's students fit; more is a mistake (or an attack)


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


def _raw_rows(data: bytes, filename: str, code: Column) -> tuple[list[tuple[Any, ...]], str]:
    """The cells of the sheet to import, row by row, and the sheet's name ("" for CSV)."""
    name = filename.lower()
    if not data.strip():
        raise FileError([RowError(None, "", _("文件为空"))])
    if data[:4] == b"\xd0\xcf\x11\xe0" or name.endswith(".xls"):
        raise FileError([RowError(None, "", _("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv"))])
    if data[:2] == b"PK":
        return _xlsx_rows(data, code)
    if name.endswith((".xlsx", ".xlsm")):
        raise FileError([RowError(None, "", _("无法读取文件：不是有效的 .xlsx 工作簿"))])
    return _csv_rows(data), ""


def _xlsx_rows(data: bytes, code: Column) -> tuple[list[tuple[Any, ...]], str]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileError([RowError(None, "", _("无法读取文件：不是有效的 .xlsx 工作簿"))]) from exc
    try:
        sheets = list(book.worksheets)
        if not sheets:
            raise FileError([RowError(None, "", _("工作簿中没有工作表"))])
        chosen = sheets[0]
        for ws in sheets:  # the sheet whose header row has the code column
            header = next(ws.iter_rows(max_row=1, values_only=True), ())
            if any(match_header(h, [code]) for h in header):
                chosen = ws
                break
        if len(sheets) > 1 and chosen is sheets[0]:
            header = next(chosen.iter_rows(max_row=1, values_only=True), ())
            if not any(match_header(h, [code]) for h in header):
                names = "、".join(ws.title for ws in sheets)
                raise FileError(
                    [
                        RowError(
                            None,
                            "",
                            _("找不到含「%(column)s」列的工作表（工作簿中的工作表：%(sheets)s）")
                            % {"column": code.header, "sheets": names},
                        )
                    ]
                )
        rows = []
        for i, row in enumerate(chosen.iter_rows(values_only=True)):
            if i > MAX_ROWS:
                raise FileError(
                    [RowError(None, "", _("行数过多（最多 %(n)d 行）") % {"n": MAX_ROWS})]
                )
            rows.append(tuple(row))
        return rows, chosen.title
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[tuple[Any, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost any byte string
        raise FileError([RowError(None, "", _("无法读取文件：编码不是 UTF-8 或 GBK"))])
    if "\x00" in text:
        raise FileError([RowError(None, "", _("无法读取文件：不是 .xlsx 或 .csv 文件"))])
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        rows = [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise FileError([RowError(None, "", _("无法读取 CSV 文件：%(e)s") % {"e": exc})]) from exc
    if len(rows) > MAX_ROWS:
        raise FileError([RowError(None, "", _("行数过多（最多 %(n)d 行）") % {"n": MAX_ROWS})])
    return rows


def _blank(row: Iterable[Any]) -> bool:
    return all(cell_text(v) == "" for v in row)


KIND_NAMES = {"schools": _lazy("学校"), "teachers": _lazy("教师"), "students": _lazy("学生")}


def _looks_like(header_row: Sequence[Any], columns: Sequence[Column]) -> str | None:
    """The other kind whose required columns this header row has, if any."""
    for kind, other in COLUMNS.items():
        if list(other) == list(columns):
            continue
        found = {c.key for c in (match_header(h, other) for h in header_row) if c is not None}
        if all(c.key in found for c in other if c.required):
            return kind
    return None


def read_table(data: bytes, filename: str, columns: Sequence[Column]) -> Table:
    """Parse an upload into a Table, or raise FileError listing every file-level error."""
    code = next(c for c in columns if c.key == "code")
    raw, sheet = _raw_rows(data, filename, code)
    # The header is the first non-blank row.
    start = next((i for i, r in enumerate(raw) if not _blank(r)), None)
    if start is None:
        raise FileError([RowError(None, "", _("文件为空"))])
    header_row = raw[start]
    keys: list[tuple[int, str]] = []  # (cell index, column key)
    written: dict[str, str] = {}
    errors: list[RowError] = []
    for j, cell in enumerate(header_row):
        col = match_header(cell, columns)
        if col is None:
            continue  # an extra column (notes, say) is left alone
        if col.key in written:
            errors.append(
                RowError(
                    start + 1,
                    cell_text(cell),
                    _("与「%(other)s」列重复") % {"other": written[col.key]},
                )
            )
            continue
        written[col.key] = cell_text(cell)
        keys.append((j, col.key))
    missing = [col for col in columns if col.required and col.key not in written]
    errors += [RowError(start + 1, col.header, _("缺少必填列")) for col in missing]
    if missing:
        guess = _looks_like(header_row, columns)
        if guess:
            errors.insert(
                0,
                RowError(
                    None,
                    "",
                    _("这似乎是「%(kind)s」文件，请在「导入内容」中选择对应的类型")
                    % {"kind": KIND_NAMES[guess]},
                ),
            )
    if errors:
        raise FileError(errors)
    dataset = tablib.Dataset(headers=[k for _j, k in keys])
    numbers: list[int] = []
    for i in range(start + 1, len(raw)):
        row = raw[i]
        if _blank(row):
            continue
        dataset.append([row[j] if j < len(row) else None for j, _k in keys])
        numbers.append(i + 1)
    if not numbers:
        raise FileError([RowError(None, "", _("文件中没有数据行（只有表头）"))])
    return Table(dataset=dataset, rows=numbers, headers=written, sheet=sheet)
