"""Read-only queries of growth portraits: a child's portrait, cohort figures with suppression."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, QuerySet

from junheng.engines.portraits import MIN_GROUP
from junheng.portraits.models import Dimension, DimensionScore, IndicatorScore
from junheng.region.models import Student, Term

DIMS = [(d.value, d.label) for d in Dimension]


def latest_term() -> Term | None:
    """The latest term that has scores."""
    tid = DimensionScore.objects.order_by("-term__start").values_list("term_id", flat=True).first()
    return Term.objects.filter(pk=tid).first() if tid else None


def portrait(student: Student) -> dict[str, Any]:
    """Radar (latest term), timeline (every term), strengths and how each score came about."""
    rows = list(
        DimensionScore.objects.filter(student=student)
        .select_related("term")
        .order_by("term__start", "dimension")
    )
    by_term: dict[int, dict[str, DimensionScore]] = defaultdict(dict)
    terms: dict[int, Term] = {}
    for r in rows:
        by_term[r.term_id][r.dimension] = r
        terms[r.term_id] = r.term
    timeline = [
        {"term": terms[tid], "cells": [by_term[tid].get(d) for d, _ in DIMS]} for tid in terms
    ]
    if not timeline:
        return {"timeline": [], "latest": None}
    latest_id = list(terms)[-1]
    latest = by_term[latest_id]
    # strengths to encourage: the child's two best dimensions, and where it grew most
    ranked = sorted(latest.values(), key=lambda r: (-r.score, r.dimension))
    grew = sorted(
        (r for r in latest.values() if r.progress is not None and r.progress > 0),
        key=lambda r: (-(r.progress or 0), r.dimension),
    )
    explain: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # The library version the scores were computed with: its rules say how each came about.
    version = next(iter(latest.values())).version
    from junheng.portraits.library import rules_by_version

    rules = rules_by_version({version}).get(version, {})
    row = IndicatorScore.objects.filter(student=student, term_id=latest_id).first()
    for ind, dim, value, records, sc, weight in row.items if row else []:
        label, rule = rules.get(ind, ("", ""))
        explain[dim].append(
            {"indicator": ind, "value": value, "records": records, "score": sc, "weight": weight,
             "label": label, "rule": rule}
        )  # fmt: skip
    return {
        "timeline": timeline,
        "latest": terms[latest_id],
        "version": version,
        "radar": {
            "labels": [str(label) for _, label in DIMS],
            "data": [float(latest[d].score) if d in latest else None for d, _ in DIMS],
        },
        "strengths": [r.get_dimension_display() for r in ranked[:2]],
        "grew": [r.get_dimension_display() for r in grew[:2]],
        "explain": [(label, latest.get(d), explain.get(d, [])) for d, label in DIMS],
    }


def cohort(
    scores: QuerySet[DimensionScore], group: str | None, groups: Iterable[Any] = ()
) -> list[dict[str, Any]]:
    """Per group (a field path, or None for one row) and dimension: students and mean, the mean
    left out (None) for a cell of fewer than MIN_GROUP students. `groups` orders the rows."""
    fields = [group] if group else []
    agg = scores.values(*fields, "dimension").annotate(n=Count("pk"), mean=Avg("score"))
    cells: dict[Any, dict[str, dict[str, Any]]] = defaultdict(dict)
    for a in agg:
        key = a[group] if group else None
        n = int(a["n"])
        cells[key][a["dimension"]] = {
            "students": n,
            "mean": round(float(a["mean"]), 1) if n >= MIN_GROUP else None,
        }
    order = list(groups) or sorted(cells, key=lambda k: (k is None, str(k)))
    return [
        {
            "key": k,
            "cells": [cells.get(k, {}).get(d, {"students": 0, "mean": None}) for d, _ in DIMS],
        }
        for k in order
        if k in cells
    ]


def needing_support(school_id: int, term: Term, share: float = 0.2) -> list[dict[str, Any]]:
    """Children of the school in the lowest `share` of its grade in a dimension this term
    (Yueqing's last 20%): for the school's own eyes only, to plan support, never a rank."""
    rows = list(
        DimensionScore.objects.filter(student__school_id=school_id, term=term)
        .select_related("student", "student__school_class")
        .order_by("student__grade", "dimension", "score", "student__code")
    )
    groups: dict[tuple[int, str], list[DimensionScore]] = defaultdict(list)
    for r in rows:
        groups[(r.student.grade, r.dimension)].append(r)
    flagged: dict[int, dict[str, Any]] = {}
    for items in groups.values():
        k = int(len(items) * share)
        for r in items[:k]:
            entry = flagged.setdefault(r.student_id, {"student": r.student, "dimensions": []})
            entry["dimensions"].append(r.get_dimension_display())
    return sorted(flagged.values(), key=lambda e: (e["student"].grade, e["student"].code))
