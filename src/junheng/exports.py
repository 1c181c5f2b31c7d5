"""The one writer of people-facing spreadsheets (.xlsx and .csv exports).

Every export a person opens in Excel or WPS (settlement, bills, rotation plan, balance table,
quota tables, the region's schools/teachers/students) goes through here, so one rule protects them
all against spreadsheet formula injection (CSV injection, OWASP): a text cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return could run as a formula
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``) when the file is opened.

- in .csv a single quote is put in front of such a text (OWASP's rule), so it reads as text;
- in .xlsx the cell is written as a string cell with Excel's quote prefix (the same as typing
  ``'`` before it), never as a formula; its value reads back unchanged.

Numbers, dates and booleans are written as themselves (a negative number is not text).

Both writers stream: rows may be a generator. ``stream_csv`` yields encoded lines (for a
``StreamingHttpResponse``); ``write_xlsx`` uses openpyxl's write-only mode, which keeps only the
current row in memory and spools the sheet to disk, and ``xlsx_response`` serves the finished
file from a temporary file. Engine contract files (``engines/io.py``: draw inputs and results)
do not come here: they carry only codes and numbers and must keep their exact bytes.

Example::

    sheet = Sheet(_("课时结算"), header=["课程", "课时"], rows=((o.title, o.hours) for o in qs))
    return xlsx_response("settlement.xlsx", sheet)
    return csv_response("settlement.csv", sheet.header, rows)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from junheng.downloads import CSV, XLSX

# OWASP CSV injection: the characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Excel's forbidden sheet-name characters; names are at most 31 characters.
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def is_formula_like(value: object) -> bool:
    """Would a spreadsheet read this text cell as a formula?"""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise(value: str) -> str:
    """The text with a leading single quote if it could be read as a formula (CSV rule)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _plain(value: Any) -> Any:
    """A value openpyxl/csv can write: lazy translations as text, aware datetimes as local."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class Cell:
    """A value with emphasis, for title or summary cells (``Cell(_("合计"), bold=True)``)."""

    value: Any
    bold: bool = False
    size: float | None = None


@dataclass
class Sheet:
    """One worksheet: an optional caption row (a report title centred over the columns), a bold
    header row, then the rows (any iterable, a generator included: it is consumed once)."""

    title: str
    header: Sequence[Any] = ()
    rows: Iterable[Sequence[Any]] = ()
    caption: str = ""
    widths: Sequence[float] = ()
    # The top-left cell of the scrollable area; default (None): just below the header; "": none.
    freeze: str | None = None
    wrap_header: bool = False


def sheet_title(title: str, taken: set[str] | None = None) -> str:
    """A valid, unique Excel sheet name (Chinese kept; forbidden characters replaced)."""
    name = str(title).translate(_SHEET_FORBIDDEN).strip("'")[:31] or "Sheet"
    if taken is not None:
        base, k = name, 2
        while name.lower() in {t.lower() for t in taken}:
            suffix = f" ({k})"
            name = base[: 31 - len(suffix)] + suffix
            k += 1
        taken.add(name)
    return name


# --- .xlsx -------------------------------------------------------------------------------------


def _xlsx_cell(ws: Any, value: Any, *, bold: bool = False, size: float | None = None) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, Cell):
        bold, size, value = bold or value.bold, value.size or size, value.value
    value = _plain(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"  # a string cell, never a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    return cell


def _write_sheet(book: Any, sheet: Sheet, taken: set[str]) -> int:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(sheet_title(sheet.title, taken))
    n_cols = len(sheet.header)
    widths = list(sheet.widths) or [
        max(12, min(40, 2 * len(str(_plain(h))) + 2)) for h in sheet.header
    ]
    for j, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = w
    header_row = 2 if sheet.caption else 1
    # A write-only sheet takes its view (frozen panes) before the first row is written.
    if sheet.freeze or (sheet.header and sheet.freeze is None):
        ws.freeze_panes = sheet.freeze or f"A{header_row + 1}"
    if sheet.caption:
        # Centred across the header's columns without merging (write-only sheets cannot merge).
        centre = Alignment(horizontal="centerContinuous")
        first = _xlsx_cell(ws, sheet.caption, bold=True, size=14)
        first.alignment = centre
        rest = []
        for _j in range(max(n_cols - 1, 0)):
            c = WriteOnlyCell(ws, value=None)
            c.alignment = centre
            rest.append(c)
        ws.append([first, *rest])
    if sheet.header:
        cells = []
        for h in sheet.header:
            c = _xlsx_cell(ws, h, bold=True)
            if sheet.wrap_header:
                c.alignment = Alignment(wrap_text=True, vertical="center")
            cells.append(c)
        ws.append(cells)
    n = 0
    for row in sheet.rows:
        ws.append([_xlsx_cell(ws, v) for v in row])
        n += 1
    return n


def save_xlsx(target: Any, *sheets: Sheet) -> int:
    """Write the sheets as .xlsx to a path or binary file; returns the number of data rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    taken: set[str] = set()
    n = sum(_write_sheet(book, s, taken) for s in sheets)
    book.save(target)
    return n


def write_xlsx(*sheets: Sheet) -> bytes:
    """The sheets as .xlsx bytes (for actions that hand the file back to a view or a test)."""
    out = io.BytesIO()
    save_xlsx(out, *sheets)
    return out.getvalue()


def table_xlsx(
    title: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    notes: Sequence[Sequence[Any]] = (),
) -> bytes:
    """One data sheet (bold, frozen header) and, if notes are given, a 说明 sheet whose first
    row is its header: the shape of the region's exports and templates and the quota tables."""
    sheets = [Sheet(title, header=header, rows=rows)]
    if notes:
        sheets.append(
            Sheet(_("说明"), header=notes[0], rows=notes[1:], widths=(30, 8, 60), freeze="")
        )
    return write_xlsx(*sheets)


def xlsx_response(filename: str, *sheets: Sheet) -> FileResponse:
    """An attachment built in write-only mode and served from a temporary file (large exports
    never sit whole in memory); the filename may be Chinese (RFC 6266 ``filename*``)."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    save_xlsx(spool, *sheets)
    spool.seek(0)
    response = FileResponse(spool, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


# --- .csv --------------------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if isinstance(value, Cell):
        value = value.value
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, Decimal | int | float | dt.date | bool):
        return value
    return neutralise(str(value))


class _Line:
    """A file-like target for csv.writer that hands back the last line written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def stream_csv(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> Iterator[bytes]:
    """UTF-8 CSV lines, one per row, header first; a BOM so Excel reads Chinese correctly."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    if bom:
        yield "\ufeff".encode()
    if header:
        writer.writerow([_csv_value(v) for v in header])
        yield line.text.encode("utf-8")
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
        yield line.text.encode("utf-8")


def write_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> bytes:
    """The whole CSV as bytes (small exports, tests)."""
    return b"".join(stream_csv(header, rows, bom=bom))


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> StreamingHttpResponse:
    """A streamed CSV attachment: rows are written as they come (a generator over a queryset's
    ``.iterator()`` keeps a city-size export in constant memory)."""
    response = StreamingHttpResponse(stream_csv(header, rows, bom=bom), content_type=CSV)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response
