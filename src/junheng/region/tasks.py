"""Job bodies of the region app: imports of schools, teachers and students (dry run too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from junheng import kept
from junheng.jobs.actions import progress

if TYPE_CHECKING:
    from junheng.accounts.models import User
    from junheng.jobs.models import Job
    from junheng.region.actions import ImportReport

MAX_STORED_ERRORS = 1000  # a report keeps this many row errors (and the total count)


def import_job(
    job: Job,
    *,
    what: str,
    path: str,
    filename: str,
    dry_run: bool,
    by_id: int,
    importer: str = "junheng.region.actions.import_rows",
) -> dict[str, Any]:
    """Read, check (no transaction open) and, when every row is good, write the rows in short
    transactions, all or nothing (region/batches.py); the report is the job's result.

    `importer` is the dotted path of the import function (the region's, or another app's that
    reads with `region.imports` and writes with `region.batches`: growth portraits' records)."""
    from django.utils.module_loading import import_string

    from junheng.accounts.models import User
    from junheng.jobs.files import take

    by = User.objects.get(pk=by_id)
    progress(job, _("读取文件"), 1)
    data = take(path)
    stages = {
        "read": (_("读取文件"), 1, 4),
        "check": (_("逐行检查"), 5, 80),
        "write": (_("写入数据库"), 85, 14),
    }

    def report_progress(stage: str, done: int, total: int) -> None:
        label, start, span = stages.get(stage, (stage, 0, 0))
        progress(job, label, start + (span * done // total if total else 0))

    import_rows = import_string(importer)
    report = import_rows(
        what, data, by=by, filename=filename, dry_run=dry_run, progress=report_progress
    )
    if getattr(report, "saved", False) and what in {"schools", "teachers", "students"}:
        # Bulk writes send no signal: count the pages' region counts again here, in the
        # worker, rather than leave them to the next periodic refresh or a page view.
        progress(job, _("重新统计全区人数"), 99)
        kept.refresh_page_counts_job(job)
    return report_to_json(report)


def import_failed(job: Job) -> None:
    from junheng.jobs.files import discard

    discard(job.args.get("path", ""))


def report_to_json(report: ImportReport) -> dict[str, Any]:
    out = report.summary() | {
        "sheet": report.sheet,
        "ok": report.ok,
        "error_list": [
            {"row": e.row, "column": e.column, "reason": str(e.reason)}
            for e in report.errors[:MAX_STORED_ERRORS]
        ],
    }
    if not report.ok:
        out["notice"] = _("“%(f)s”未导入：%(n)d 处错误。") % {
            "f": report.filename,
            "n": len(report.errors),
        }
    return out


def report_from_json(data: dict[str, Any]) -> tuple[Any, int]:
    """The ImportReport a finished job stored, and the total number of errors."""
    from junheng.region.actions import ImportReport
    from junheng.region.imports import RowError

    report = ImportReport(
        kind=data["kind"],
        filename=data["file"],
        dry_run=data["dry_run"],
        total_rows=data["rows"],
        created=data["created"],
        updated=data["updated"],
        unchanged=data["unchanged"],
        errors=[RowError(e["row"], e["column"], e["reason"]) for e in data["error_list"]],
        saved=data["saved"],
        sheet=data.get("sheet", ""),
    )
    return report, int(data["errors"])


def start_import(kind: str, upload: Any, *, by: User, dry_run: bool) -> Job:
    """Queue an import of `upload` (checked and written by a worker); returns the job."""
    from junheng.jobs.actions import start_job
    from junheng.jobs.files import stash
    from junheng.region.actions import require_importer
    from junheng.region.forms import KIND_LABELS

    require_importer(kind, by)  # the same refusal the action gives, before any stashing
    name = str(getattr(upload, "name", "") or f"{kind}.xlsx")
    path = stash(upload, name)
    title = (_("预检导入：%(k)s") if dry_run else _("导入：%(k)s")) % {"k": KIND_LABELS[kind]}
    return start_job(
        "region_import",
        import_job,
        by=by,
        title=title,
        on_fail=import_failed,
        what=kind,
        path=path,
        filename=name,
        dry_run=dry_run,
        by_id=by.pk,
    )


def undo_abandoned_imports_job(job: Any) -> dict[str, Any]:
    """Periodic: undo the writes of imports whose worker died part-way (region/batches.py)."""
    from junheng.region.batches import undo_abandoned

    return {"undone": undo_abandoned()}
