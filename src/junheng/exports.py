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

**Every export a page offers is served by `serve`.** An app's actions define a builder: a
function ``(*, by, **params) -> Export`` (params: JSON values, ids) that checks who asks, counts
the rows cheaply and returns the file's name and sheets with *lazy* rows (generators: nothing
heavy is read until the file is written) and what to audit. The view is one line::

    def export_plan(*, by, round_id):                       # <app>/actions.py
        rnd = ...; require_actor(by, Role.BUREAU)
        return Export(f"rotation-{rnd.year}.xlsx", [Sheet(...rows=gen())], rows=n,
                      audit="rotation.export_plan", target=rnd)

    return exports.serve(request, "junheng.rotation.actions.export_plan",   # the view
                         back=reverse(...), round_id=rnd.pk)

`serve` builds it; up to `JUNHENG_EXPORT_INLINE_ROWS` (5,000) rows it is written now and
streamed (csv: a `StreamingHttpResponse`, line by line; xlsx: a write-only workbook spooled to
a temporary file); above that a GET shows the row count and a button, and its POST starts a job
(`export_job`, in the worker, with progress) that builds the same export again, writes it to a
file the user downloads from the job's page. A refusal (`ActionError`) goes back to `back` with
the message. Every export is audited once, when it is written, with its row count.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from junheng.downloads import CSV, XLSX

if TYPE_CHECKING:
    from junheng.accounts.models import User
    from junheng.jobs.models import Job
    from junheng.web import AuthenticatedHttpRequest

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


def in_language(language: str, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows made in `language` (a filing layout that is Chinese whatever the UI's), however
    late they are written: each row is made under the override, none is held between rows."""
    from django.utils import translation

    it = iter(rows)
    while True:
        with translation.override(language):
            row = next(it, None)
        if row is None:
            return
        yield row


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


def notes_sheet(notes: Sequence[Sequence[Any]]) -> Sheet:
    """A 说明 sheet whose first row is its header (the region's templates, the quota tables)."""
    return Sheet(_("说明"), header=notes[0], rows=notes[1:], widths=(30, 8, 60), freeze="")


def table_xlsx(
    title: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    notes: Sequence[Sequence[Any]] = (),
) -> bytes:
    """One data sheet (bold, frozen header) and, if notes are given, a 说明 sheet: the shape of
    the region's and growth portraits' import templates."""
    sheets = [Sheet(title, header=header, rows=rows)]
    if notes:
        sheets.append(notes_sheet(notes))
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


# --- one export, served or written by a job -----------------------------------------------


@dataclass
class Export:
    """A file an actor asked for: its name (``.csv`` or ``.xlsx``), its sheets (rows lazy; a
    csv has one), how many data rows it will have (decides: now or a job; an estimate is
    fine), and what to audit when it is written (`audit` action, `target` row, `details`)."""

    filename: str
    sheets: Sequence[Sheet]
    rows: int
    audit: str
    target: Any = None
    details: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # what the confirm page and the job call it (default: the file name)

    @property
    def fmt(self) -> str:
        return "csv" if self.filename.lower().endswith(".csv") else "xlsx"


def inline_rows() -> int:
    """Exports of up to this many rows are written in the request; larger ones are jobs."""
    return int(getattr(settings, "JUNHENG_EXPORT_INLINE_ROWS", 5000))


def build(builder: str, *, by: User, **params: Any) -> Export:
    export: Export = import_string(builder)(by=by, **params)
    return export


def write(export: Export, target: IO[bytes]) -> None:
    """Write the export to a binary file."""
    if export.fmt == "csv":
        (sheet,) = export.sheets
        for line in stream_csv(sheet.header, sheet.rows):
            target.write(line)
    else:
        save_xlsx(target, *export.sheets)


def content(export: Export) -> bytes:
    """The whole file as bytes (tests; nothing is audited)."""
    out = io.BytesIO()
    write(export, out)
    return out.getvalue()


def _audit(by: User, export: Export, **more: Any) -> None:
    from junheng.accounts.models import audit

    audit(by, export.audit, export.target, **{**export.details, **more})


def response(export: Export, *, by: User) -> HttpResponseBase:
    """The export as an attachment, streamed (audited with its expected row count)."""
    _audit(by, export, rows=export.rows)
    if export.fmt == "csv":
        (sheet,) = export.sheets
        return csv_response(export.filename, sheet.header, sheet.rows)
    return xlsx_response(export.filename, *export.sheets)


def serve(
    request: AuthenticatedHttpRequest, builder: str, *, back: str = "", **params: Any
) -> HttpResponseBase:
    """The one export view body: build `builder(by=request.user, **params)`; stream a small
    one; a large one: a GET shows the row count and a button, its POST starts the job. A
    refusal (`ActionError`) flashes its message and goes back to `back` (re-raised without)."""
    from junheng.web import flash_errors

    by = request.user
    try:
        export = build(builder, by=by, **params)
    except ValidationError as err:
        if not back:
            raise
        flash_errors(request, err)
        return redirect(back)
    if export.rows <= inline_rows():
        return response(export, by=by)
    if request.method != "POST":  # a crawler, a prefetch, a bookmark: starts nothing
        return render(
            request,
            "exports/confirm.html",
            {"export": export, "fields": list(request.GET.items()), "back": back},
        )
    job = start_export(builder, params, by=by, title=export.title or export.filename)
    return redirect(job.get_absolute_url())


# Progress is reported every this many rows.
PROGRESS_EVERY = 5_000


def _job_kind(builder: str) -> str:
    """ "junheng.region.actions.export_file" -> "region_export"."""
    parts = builder.split(".")
    return f"{parts[1] if len(parts) > 2 else 'junheng'}_export"


def start_export(builder: str, params: dict[str, Any], *, by: User, title: str) -> Job:
    """Queue an export; the page that asked returns at once and shows the job."""
    from django.utils.translation import gettext as _

    from junheng.jobs.actions import start_job

    return start_job(
        _job_kind(builder),
        export_job,
        by=by,
        title=_("导出：%(f)s") % {"f": title},
        on_fail=export_failed,
        builder=builder,
        params=params,
        by_id=by.pk,
    )


def export_job(job: Job, *, builder: str, params: dict[str, Any], by_id: int) -> dict[str, Any]:
    """(The worker) build the export again as `by_id`, write it to a file kept for the job's
    page, with progress by rows; audited like the export a page serves."""
    from django.utils.translation import gettext as _

    from junheng.accounts.models import User
    from junheng.jobs.actions import progress
    from junheng.jobs.files import keep_result

    by = User.objects.get(pk=by_id)
    progress(job, _("统计行数"), 1)
    export = build(builder, by=by, **params)
    total = max(export.rows, 1)
    done = 0

    def counted(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        nonlocal done
        for row in rows:
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress(job, _("写出文件"), min(2 + 95 * done // total, 97))
            yield row

    export = replace(export, sheets=[replace(s, rows=counted(s.rows)) for s in export.sheets])
    with tempfile.TemporaryFile() as spool:
        write(export, spool)
        progress(job, _("保存文件"), 98)
        spool.seek(0)
        path = keep_result(spool, export.filename)
    _audit(by, export, rows=done, job=job.pk)
    return {"file": path, "filename": export.filename, "rows": done}


def export_failed(job: Job) -> None:
    from junheng.jobs.files import discard_result

    if isinstance(job.result, dict):
        discard_result(str(job.result.get("file", "")))
