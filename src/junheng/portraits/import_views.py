"""Growth-portrait import page (成长记录 / 任课安排导入): upload → a worker checks (and, when
every row is good, writes) the file; the page polls its progress and shows the report."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from junheng.accounts.models import Role
from junheng.accounts.scoping import role_required
from junheng.downloads import attachment
from junheng.portraits import imports
from junheng.region.forms import ImportForm
from junheng.web import AuthenticatedHttpRequest


@role_required(Role.SCHOOL, Role.TEACHER)
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    from junheng.jobs.access import access_job
    from junheng.region.imports import import_limits
    from junheng.region.tasks import report_from_json

    user = request.user
    kinds = imports.import_kinds(user)
    labels = imports.KIND_LABELS
    report, error_count, job = None, 0, None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, kinds=kinds, labels=labels)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind, dry_run = form.cleaned_data["kind"], form.cleaned_data["dry_run"]
            if upload.size > import_limits().max_bytes:  # refused at once, nothing stored
                report = imports.import_rows(
                    kind, upload, by=user, filename=upload.name, dry_run=dry_run
                )
                error_count = len(report.errors)
            else:
                job = imports.start_import(kind, upload, by=user, dry_run=dry_run)
                if job.is_active:
                    return redirect(f"{reverse('portraits:import')}?job={job.pk}")
    else:
        form = ImportForm(kinds=kinds, labels=labels, initial={"kind": request.GET.get("kind")})
        job_id = request.GET.get("job", "")
        if job_id.isdigit():
            job = access_job(user, int(job_id))
            if job.kind != "portraits_import":
                raise Http404
    if job is not None and job.state == "done" and job.result:
        report, error_count = report_from_json(job.result)
    status = 200 if report is None or report.ok else 422
    return render(
        request,
        "portraits/import.html",
        {
            "form": form,
            "job": job,
            "report": report,
            "error_count": error_count,
            "shown_errors": report.errors[:500] if report else [],
            "kinds": [(k, labels[k], imports.COLUMNS_OF[k]) for k in kinds],
            "report_label": labels.get(report.kind, "") if report else "",
        },
        status=status,
    )


@role_required(Role.SCHOOL, Role.TEACHER)
def template_download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in imports.COLUMNS_OF:
        raise Http404
    file = imports.template_file(kind, by=request.user)
    return attachment(file.content, file.filename, file.content_type)
