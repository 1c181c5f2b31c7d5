"""Region writes and exports: the only code that changes schools, teachers and students in bulk.

`import_rows` (导入) reads an upload, checks every row through the kind's Resource with no
write (and no transaction) open, and writes the rows only if every row is good, all or
nothing: in short transactions with an undo journal (`region/batches.py`), so that no other
user ever waits long on the write. Re-importing a code updates its row. `export_file` (导出,
served by `junheng.exports.serve`) and `template_file` (导入模板) write the files.
Every import (saved, refused or previewed) and every export is written to the audit log.

Who may do what (enforced here, whatever the caller):
- bureau: import and export schools, teachers and students of the whole region;
- school admin: import and export teachers and students of its own school only (a row naming
  another school is an error for that row) and export its own school's row; no school import;
- everyone else: nothing (PermissionDenied).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from junheng.accounts import scoping
from junheng.accounts.models import Role, User, audit
from junheng.exports import Export, Sheet, table_xlsx
from junheng.region import batches
from junheng.region.imports import KIND_NAMES, FileError, RowError, Table, read_table
from junheng.region.models import County, Level, School
from junheng.region.resources import (
    COLUMNS,
    GRADES,
    RESOURCES,
    ImportScope,
    RegionResource,
    cell_text,
)

KINDS = ("schools", "teachers", "students")


@dataclass
class ImportReport:
    kind: str
    filename: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False
    sheet: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.filename,
            "dry_run": self.dry_run,
            "rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "saved": self.saved,
        }


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    rows: int
    content_type: str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Who may import and export each kind (`scoping.require_actor`); which rows is the scope's
# (`ImportScope`, `scoping.schools_for`): a school admin's own school only.
IMPORTERS: dict[str, tuple[str, ...]] = {
    "schools": (Role.BUREAU,),
    "teachers": (Role.BUREAU, Role.SCHOOL),
    "students": (Role.BUREAU, Role.SCHOOL),
}
EXPORTERS: tuple[str, ...] = (Role.BUREAU, Role.SCHOOL)


def import_kinds(user: User) -> tuple[str, ...]:
    """The kinds `user` may import."""
    return tuple(k for k in KINDS if scoping.may_act(user, *IMPORTERS[k]))


def export_kinds(user: User) -> tuple[str, ...]:
    return KINDS if scoping.may_act(user, *EXPORTERS) else ()


def require_importer(kind: str, by: User) -> None:
    """`by` may import `kind` (PermissionDenied otherwise); the import job checks it too."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    scoping.require_actor(by, *IMPORTERS[kind])


def _require_exporter(kind: str, by: User) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    scoping.require_actor(by, *EXPORTERS)


def import_rows(
    kind: str,
    file: IO[bytes] | bytes,
    *,
    by: User,
    filename: str | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import schools, teachers or students from an .xlsx/.csv upload, all or nothing.

    Three steps, so that a large file never holds the database: the file is read (limits and
    header first: `imports.read_table`), every row is checked with no write and no transaction
    open, and only if every row is good (and this is not a dry run, the preview) the rows are
    written in short transactions, undone entirely if anything fails part-way.
    `progress(stage, done, total)`, if given, is called as the work goes ("read", "check",
    "write"; rows done of rows in the file, or of rows to write).
    """
    require_importer(kind, by)
    data = file if isinstance(file, bytes) else file.read()
    name = filename or getattr(file, "name", "") or f"{kind}.xlsx"
    report = ImportReport(kind=kind, filename=str(name), dry_run=dry_run)
    columns = COLUMNS[kind]
    batches.undo_abandoned(kind)  # a dead import's rows go before this file is checked
    if progress is not None:
        progress("read", 0, 0)
    try:
        table = read_table(data, report.filename, columns)
    except FileError as problem:
        report.errors = problem.errors
    else:
        report.sheet = table.sheet
        report.total_rows = len(table.rows)
        resource = check_rows(kind, table, report, by, progress=progress)
        if report.ok and not dry_run:
            write_rows(resource, report, by=by, progress=progress)
    audit(by, f"import_{kind}", None, **report.summary())
    return report


def check_rows(
    kind: str,
    table: Table,
    report: ImportReport,
    by: User,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> RegionResource:
    """Run every row through the kind's Resource, writing nothing: fills the report's counts
    and errors and returns the resource holding the rows to write."""
    columns = COLUMNS[kind]
    resource = RESOURCES[kind](ImportScope.for_user(by))
    if progress is not None:
        total = len(table.rows)
        resource.progress = lambda done, _total: progress("check", done, total)
    result = resource.import_data(
        table.dataset,
        dry_run=False,  # the resource's bulk hooks collect the rows; nothing is written
        use_transactions=False,
        row_numbers=table.rows,
    )
    errors: list[RowError] = []
    for invalid in result.invalid_rows:
        row = table.rows[invalid.number - 1]
        for attr, messages in invalid.error_dict.items():
            column = "" if attr == NON_FIELD_ERRORS else table.header(attr, columns)
            errors.extend(RowError(row, column, str(m)) for m in messages)
    for error_row in result.error_rows:
        row = table.rows[error_row.number - 1]
        errors.extend(RowError(row, "", _error_text(e.error)) for e in error_row.errors)
    errors.extend(RowError(None, "", _error_text(e.error)) for e in result.base_errors)
    report.errors = sorted(errors, key=lambda e: (e.row or 0, e.column))
    report.created = result.totals["new"]
    report.updated = result.totals["update"]
    report.unchanged = result.totals["skip"]
    return resource


def write_rows(
    resource: RegionResource,
    report: ImportReport,
    *,
    by: User | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Write the checked rows in short transactions, all or nothing (`region.batches`): a
    clash with a concurrent import (the same new code, written meanwhile), a cancel or any
    error part-way undoes every row already written."""
    if progress is not None:
        progress("write", 0, report.total_rows)

    def wrote(done: int, total: int) -> None:
        if progress is not None:
            progress("write", done, total)

    try:
        batches.write_batch(
            kind=report.kind,
            model=resource._meta.model,
            new_classes=resource.scope.new_classes,
            to_create=resource.to_create,
            to_update=resource.to_update,
            update_fields=resource.get_bulk_update_fields(),
            filename=report.filename,
            by=by,
            progress=wrote,
        )
    except IntegrityError:
        report.errors = [
            RowError(
                None,
                "",
                _("保存时发现其他用户刚写入了相同的编码，本次导入未作任何改动，请重新导入"),
            )
        ]
        return
    except batches.ImportBusyError as busy:
        report.errors = [RowError(None, "", str(busy))]
        return
    report.saved = True
    if progress is not None:
        progress("write", report.total_rows, report.total_rows)


def _error_text(exc: BaseException) -> str:
    # Not expected (widgets raise ValueError, caught per column): say what happened briefly.
    return _("无法保存此行：%(e)s") % {"e": cell_text(str(exc))[:200]}


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _export_queryset(kind: str, by: User, school_id: int | None) -> QuerySet[Any]:
    if kind == "schools":
        qs: QuerySet[Any] = scoping.schools_for(by).order_by("code")
        return qs.filter(pk=school_id) if school_id else qs
    qs = scoping.teachers_for(by) if kind == "teachers" else scoping.students_for(by)
    if school_id:
        qs = qs.filter(school_id=scoping.access_school(by, school_id).pk)
    return qs.order_by("code")


# Columns whose value is a related row: read its code (or class number) in the same query.
_RELATED = {
    "school": "school__code",
    "county": "county__code",
    "school_class": "school_class__number",
}


def export_values(kind: str, by: User, qs: QuerySet[Any]) -> Iterator[list[Any]]:
    """The export's rows, read with one `values_list` query in chunks and rendered by the
    Resource's own widgets (the cell text an import reads back): no model instance and no
    per-cell `export_field` call, so a city's million students take seconds, not minutes."""
    resource = RESOURCES[kind](ImportScope.for_user(by))
    fields = resource.get_export_fields()
    lookups = [_RELATED.get(f.attribute, f.attribute) for f in fields]
    renders = [None if f.attribute in _RELATED else f.widget.render for f in fields]
    for values in qs.values_list(*lookups).iterator(chunk_size=5000):
        yield [
            ("" if v is None else v) if render is None else render(v)
            for v, render in zip(values, renders, strict=True)
        ]


def export_file(*, by: User, kind: str, fmt: str, school_id: int | None = None) -> Export:
    """The user's schools, teachers or students (optionally of one school) as .xlsx or .csv,
    served or written by a job through `junheng.exports.serve` (the rows are read in chunks
    as they are written: a city's million students stream in constant memory)."""
    from junheng.region.forms import KIND_LABELS

    _require_exporter(kind, by)
    if fmt not in ("xlsx", "csv"):
        raise PermissionDenied
    qs = _export_queryset(kind, by, school_id)
    suffix = f"-{school_id}" if school_id else ""
    header = [c.header for c in COLUMNS[kind]]
    return Export(
        f"junheng-{kind}{suffix}-{_stamp()}.{fmt}",
        [Sheet(str(KIND_NAMES[kind]), header=header, rows=export_values(kind, by, qs))],
        rows=qs.count(),
        audit=f"export_{kind}",
        details={"school": school_id, "format": fmt},
        title=f"{KIND_LABELS[kind]}（.{fmt}）",
    )


def template_file(kind: str, *, by: User) -> ExportFile:
    """An import template: the header row, one example row that imports as is, and notes."""
    require_importer(kind, by)
    columns = COLUMNS[kind]
    scope = ImportScope.for_user(by)
    example_school = next(iter(sorted(scope.schools)), "")
    example: list[Any] = []
    for col in columns:
        if col.key == "school":
            example.append(example_school)
        elif col.key == "grade" and example_school:
            example.append(GRADES[Level(scope.schools[example_school].level)][0])
        elif col.key == "county":
            example.append(next(iter(sorted(scope.counties)), ""))
        else:
            example.append(col.example)
    notes = [(_("列"), _("必填"), _("说明"))]
    notes += [(c.header, _("是") if c.required else "", c.note) for c in columns]
    content = table_xlsx(str(KIND_NAMES[kind]), [c.header for c in columns], [example], notes)
    return ExportFile(f"junheng-{kind}-template.xlsx", content, 1)


# --- the county outline ------------------------------------------------------------------------


def do_import_outline(
    county: County,
    data: bytes,
    filename: str,
    *,
    mode: str,
    origin: tuple[float, float] | None,
    by: User,
) -> int:
    """Store the county's outline from a GeoJSON file (region/outline.py): every position
    checked first, nothing changed when the file is refused (ActionError). Returns the number
    of rings; audited."""
    from junheng.region import outline

    scoping.require_actor(by, Role.BUREAU)
    schools = [
        (float(x), float(y))
        for x, y in School.objects.filter(county=county).values_list("x_km", "y_km")
    ]
    rings = outline.parse_outline(
        data,
        filename,
        mode=mode,
        origin=origin if mode == outline.LONLAT else None,
        schools=schools,
    )
    county.outline = [[[round(x, 4), round(y, 4)] for x, y in r] for r in rings]
    county.outline_file = filename[:200]
    county.outline_origin = list(origin) if mode == outline.LONLAT and origin else None
    county.outline_at = timezone.now()
    county.save(update_fields=["outline", "outline_file", "outline_origin", "outline_at"])
    audit(
        by,
        "region.import_outline",
        county,
        file=filename,
        mode=mode,
        rings=len(rings),
        positions=sum(len(r) for r in rings),
    )
    return len(rings)


def do_clear_outline(county: County, *, by: User) -> None:
    """Back to the schools' convex hull; audited."""
    scoping.require_actor(by, Role.BUREAU)
    county.outline = None
    county.outline_file = ""
    county.outline_origin = None
    county.outline_at = None
    county.save(update_fields=["outline", "outline_file", "outline_origin", "outline_at"])
    audit(by, "region.clear_outline", county)
