"""The bureau's indicator-library pages (评价指标库): versions and their history, one version's
rules, and a new version edited row by row. Thin: rows checked by `portraits.library`,
written by `portraits.actions.do_publish_library`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from junheng.accounts.models import Role
from junheng.accounts.scoping import get_in_scope, role_required
from junheng.engines.portraits.library import AGGREGATES, DIMENSIONS, METHODS, MISSING
from junheng.portraits import actions, library
from junheng.portraits.adapters import libraries_for, parse_library
from junheng.portraits.models import CohortScore, Dimension, IndicatorLibrary
from junheng.region.models import Term
from junheng.web import AuthenticatedHttpRequest

BLANK_ROWS = 5  # empty rows offered below a version's rows, to add indicators
HEADERS = [
    _lazy("指标代码"), _lazy("名称"), _lazy("维度"), _lazy("权重"), _lazy("计分方法"),
    _lazy("汇总方式"), _lazy("无记录时"), _lazy("分段（门槛:得分|…）"), _lazy("0 分端"),
    _lazy("100 分端"), _lazy("适用年级（如 3-4，空为全部）"), _lazy("适用性别"),
]  # fmt: skip


def _used_terms() -> dict[str, list[Term]]:
    """version → the terms whose stored scores cite it (a term's scores all come from one
    scoring run; read from their cohort cells, a few thousand rows, not the scores)."""
    cited = set(CohortScore.objects.values_list("term_id", "version").distinct().order_by())
    terms = Term.objects.in_bulk({t for t, _v in cited})
    out: dict[str, list[Term]] = {}
    for t, v in sorted(cited, key=lambda tv: terms[tv[0]].start, reverse=True):  # Term order
        out.setdefault(v, []).append(terms[t])
    return out


@role_required(Role.BUREAU)
def library_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    used = _used_terms()
    now = Term.current(or_latest=False)
    in_force = libraries_for([now]).get(now.pk) if now is not None else None
    versions = [
        {
            "lib": lib,
            "indicators": len(parse_library(lib.table)),
            "terms": used.get(lib.version, []),
            "in_force": in_force is not None and lib.pk == in_force.pk,
        }
        for lib in IndicatorLibrary.objects.select_related("created_by").order_by("-year")
    ]
    return render(
        request,
        "portraits/library_list.html",
        {"versions": versions, "in_force": in_force, "term": now},
    )


def _dimension_groups(lib: IndicatorLibrary) -> list[dict[str, Any]]:
    inds = parse_library(lib.table)
    groups = []
    for d in Dimension:
        rows = [i for i in inds if i.dimension == d.value]
        groups.append(
            {
                "label": d.label,
                "rows": [
                    {
                        "i": i,
                        "rule": library.rule_text(i),
                        "label": library.label_text(i.label),
                        "method": library.METHOD_LABELS[i.method],
                        "share": library.share(i, rows),
                    }
                    for i in rows
                ],
            }
        )
    return groups


@role_required(Role.BUREAU)
def library_detail(request: AuthenticatedHttpRequest, library_id: int) -> HttpResponse:
    lib: IndicatorLibrary = get_in_scope(IndicatorLibrary.objects.all(), pk=library_id)
    return render(
        request,
        "portraits/library_detail.html",
        {"lib": lib, "groups": _dimension_groups(lib), "terms": _used_terms().get(lib.version, [])},
    )


def _choices() -> dict[str, list[tuple[str, Any]]]:
    return {
        "dimension": [(d, Dimension(d).label) for d in DIMENSIONS],
        "method": [(m, library.METHOD_LABELS[m]) for m in METHODS],
        "aggregate": [(a, library.AGGREGATE_LABELS[a]) for a in AGGREGATES],
        "missing": [(m, library.MISSING_LABELS[m]) for m in MISSING],
        "sex": list(library.SEX_LABELS.items()),
    }


@role_required(Role.BUREAU)
def library_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new version: the rows of an existing one (`?from=<id>`, default the latest) to edit,
    blank rows to add indicators, a tick to drop one. Every row's problems are shown on it."""
    problems: list[library.RowProblem] = []
    status = 200
    if request.method == "POST":
        count = min(int(request.POST.get("rows", "0") or 0), 500)
        numbered = library.form_rows(request.POST, count)
        version = request.POST.get("version", "").strip()
        year_text = request.POST.get("year", "").strip()
        problems = library.check_rows(numbered)
        if not problems:
            try:
                lib = actions.do_publish_library(
                    version=version,
                    year=int(year_text) if year_text.isdigit() else 0,
                    rows=numbered,
                    by=request.user,
                )
            except ValidationError as err:
                for m in err.messages:
                    messages.error(request, m)
            else:
                messages.success(
                    request,
                    _("已发布版本「%(v)s」，%(y)d 学年起生效。")
                    % {"v": lib.version, "y": lib.year},
                )
                return redirect("portraits:library_detail", library_id=lib.pk)
        status = 422
        rows = [r for _n, r in numbered]
        numbers = [n for n, _r in numbered]
    else:
        source_id = request.GET.get("from", "")
        qs = IndicatorLibrary.objects.order_by("-year")
        source = get_in_scope(qs, pk=int(source_id)) if source_id.isdigit() else qs.first()
        rows = library.rows_of(source)
        numbers = list(range(1, len(rows) + 1))
        version = ""
        now = Term.current(or_latest=False)
        year_text = str(now.start.year) if now is not None else ""
    by_row: dict[int, dict[str, str]] = {}
    for p in problems:
        by_row.setdefault(p.row, {}).setdefault(p.field, p.reason)
    choices = _choices()

    def fields(cells: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
        return [
            {
                "name": f,
                "header": header,
                "value": cells.get(f, ""),
                "error": errors.get(f, ""),
                "choices": choices.get(f),
            }
            for f, header in zip(library.FIELDS, HEADERS, strict=True)
        ]

    # Problems carry the posted row numbers; the page numbers its rows from 1 again.
    shown = [
        {"n": k, "fields": fields(r, by_row.get(n, {})), "bad": n in by_row}
        for k, (n, r) in enumerate(zip(numbers, rows, strict=True), start=1)
    ]
    start = len(shown)
    shown += [
        {"n": start + k, "fields": fields({}, {}), "bad": False} for k in range(1, BLANK_ROWS + 1)
    ]
    return render(
        request,
        "portraits/library_new.html",
        {
            "rows": shown,
            "count": len(shown),
            "version": version,
            "year": year_text,
            "headers": HEADERS,
            "problems": len(problems),
        },
        status=status,
    )
