"""The one import page (导入): upload → a worker checks (and, when every row is good, writes)
the file; the page polls the job's progress and shows the report when it ends (`?job=<id>`).

The region's import (schools, teachers, students…) and the portraits' (records, class
teachers) are the same page with different kinds, functions and surroundings: each names them
in an `ImportPage` and calls `import_page(request, page)` from its view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from junheng.accounts.models import User
from junheng.web import AuthenticatedHttpRequest


@dataclass(frozen=True)
class ImportPage:
    """What differs between the import pages."""

    url: str  # the page's URL name ('region:import')
    template_url: str  # the URL name of a kind's template download (takes the kind)
    job_kind: str  # the kind of job its imports run as ('region_import')
    page_template: str  # the page (extends region/_import_page.html)
    kinds: Callable[[User], tuple[str, ...]]  # the kinds a user may import
    labels: Mapping[str, Any]  # kind → label
    import_rows: Callable[..., Any]  # (kind, file, by=, filename=, dry_run=) → report
    start_import: Callable[..., Any]  # (kind, upload, by=, dry_run=) → job
    # the page's own context (beyond the import's), from the user and its kinds
    context: Callable[[User, tuple[str, ...]], dict[str, Any]] = field(
        default=lambda user, kinds: {}
    )


def import_page(request: AuthenticatedHttpRequest, page: ImportPage) -> HttpResponse:
    from junheng.jobs.access import access_job
    from junheng.region.forms import ImportForm
    from junheng.region.imports import import_limits
    from junheng.region.tasks import report_from_json

    user = request.user
    kinds = page.kinds(user)
    report, error_count, job = None, 0, None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, kinds=kinds, labels=page.labels)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind, dry_run = form.cleaned_data["kind"], form.cleaned_data["dry_run"]
            if upload.size > import_limits().max_bytes:  # refused at once, nothing stored
                report = page.import_rows(
                    kind, upload, by=user, filename=upload.name, dry_run=dry_run
                )
                error_count = len(report.errors)
            else:
                job = page.start_import(kind, upload, by=user, dry_run=dry_run)
                if job.is_active:
                    return redirect(f"{reverse(page.url)}?job={job.pk}")
    else:
        form = ImportForm(
            kinds=kinds, labels=page.labels, initial={"kind": request.GET.get("kind")}
        )
        job_id = request.GET.get("job", "")
        if job_id.isdigit():
            job = access_job(user, int(job_id))
            if job.kind != page.job_kind:
                raise Http404
    if job is not None and job.state == "done" and job.result:
        report, error_count = report_from_json(job.result)
    status = 200 if report is None or report.ok else 422
    return render(
        request,
        page.page_template,
        {
            "form": form,
            "job": job,
            "report": report,
            "error_count": error_count,
            "shown_errors": report.errors[:500] if report else [],
            "import_kinds": [(k, page.labels[k]) for k in kinds],
            "template_url": page.template_url,
            "report_label": page.labels.get(report.kind, "") if report else "",
            **page.context(user, kinds),
        },
        status=status,
    )
