"""Growth-portrait import page (成长记录 / 任课安排导入): the region's import page
(`region.import_page`) with the portraits' kinds, and their template downloads."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import role_required
from junheng.downloads import attachment
from junheng.portraits import imports
from junheng.region.import_page import ImportPage
from junheng.region.import_page import import_page as shared_import_page
from junheng.web import AuthenticatedHttpRequest


def _context(user: User, kinds: tuple[str, ...]) -> dict[str, Any]:
    return {"kinds": [(k, imports.KIND_LABELS[k], imports.COLUMNS_OF[k]) for k in kinds]}


IMPORT_PAGE = ImportPage(
    url="portraits:import",
    template_url="portraits:import_template",
    job_kind="portraits_import",
    page_template="portraits/import.html",
    kinds=imports.import_kinds,
    labels=imports.KIND_LABELS,
    import_rows=imports.import_rows,
    start_import=imports.start_import,
    context=_context,
)


@role_required(Role.SCHOOL, Role.TEACHER)
def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return shared_import_page(request, IMPORT_PAGE)


@role_required(Role.SCHOOL, Role.TEACHER)
def template_download(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in imports.COLUMNS_OF:
        raise Http404
    file = imports.template_file(kind, by=request.user)
    return attachment(file.content, file.filename, file.content_type)
