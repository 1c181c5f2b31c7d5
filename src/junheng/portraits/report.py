"""Read-only queries of growth portraits: a child's portrait, cohort figures with suppression.

Every cohort figure a page shows is computed here (`school_figures`, `county_figures`): one
query of the finest cells (`CohortScore`, which `store_cohorts` writes with every scoring run),
rolled up, then protected by
`junheng.engines.portraits.suppression.protect` — no figure for a cell under MIN_GROUP
students, nor for one that would give such a cell away by difference."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum

from junheng.engines.portraits import MIN_GROUP
from junheng.engines.portraits.suppression import protect
from junheng.portraits.models import CohortScore, Dimension, DimensionScore, IndicatorScore
from junheng.region.models import SchoolClass, Student, Term

DIMS = [(d.value, d.label) for d in Dimension]


COHORT_FIELDS = [
    "term_id", "school_id", "grade", "school_class_id", "dimension", "version", "students",
    "total",
]  # fmt: skip


def cohort_cells(scores: QuerySet[DimensionScore]) -> QuerySet[Any]:
    """The finest cohort cells of these scores, counted now: (term, school, grade, class,
    dimension, library version, students, score sum), in `COHORT_FIELDS` order."""
    return (
        scores.values_list("term_id", "student__school_id", "student__grade",
                           "student__school_class_id", "dimension", "version")
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by()
    )  # fmt: skip


def store_cohorts(term_ids: Iterable[int]) -> int:
    """Count the terms' cohort cells from their stored scores and store them in place of the
    old ones (inside the caller's transaction: the scoring run's). Returns the cells stored."""
    from junheng.portraits import storage

    ids = list(term_ids)
    CohortScore.objects.filter(term_id__in=ids).delete()
    rows = list(cohort_cells(DimensionScore.objects.filter(term_id__in=ids)))
    storage.insert_rows(CohortScore, COHORT_FIELDS, rows)
    return len(rows)


def latest_term() -> Term | None:
    """The latest term that has scores (read from its cohort cells: an EXISTS over a city's
    five million scores is a full scan for a term that has none)."""
    scored = CohortScore.objects.filter(term=OuterRef("pk"))
    return Term.objects.filter(Exists(scored)).order_by("-start").first()


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
    from junheng.portraits.library import applied_text

    row = IndicatorScore.objects.filter(student=student, term_id=latest_id).first()
    for item in row.items if row else []:
        # [indicator, dimension, value, records, score, weight, grades, sex, band] (the rule's
        # grades and sex, and the band threshold reached; explanations stored earlier: 6 items)
        ind, dim, value, records, sc, weight, *applied = item
        grades, sex, band = (applied + ["", "", None])[:3]
        label, rule, method = rules.get((ind, grades, sex), ("", "", ""))
        explain[dim].append(
            {"indicator": ind, "value": value, "records": records, "score": sc, "weight": weight,
             "label": label, "rule": rule, "applied": applied_text(method, band) if applied else ""}
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


def _rows(
    keys: Iterable[Any],
    level: str,
    counts: Mapping[tuple[str, str, Any], int],
    sums: Mapping[tuple[str, str, Any], Decimal],
    hidden: set[tuple[str, str, Any]],
) -> list[dict[str, Any]]:
    """The page's rows of one level: per key and dimension, students and mean (None when
    hidden; `protected` when hidden although the cell has MIN_GROUP students or more)."""
    out = []
    for k in keys:
        cells = []
        for d, _label in DIMS:
            n = counts.get((d, level, k), 0)
            shown = n > 0 and (d, level, k) not in hidden
            mean = round(float(sums[(d, level, k)] / n), 1) if shown else None
            cells.append({"students": n, "mean": mean, "protected": n >= MIN_GROUP and not shown})
        if any(c["students"] for c in cells):
            out.append({"key": k, "cells": cells})
    return out


def _figures(
    groups: Iterable[tuple[tuple[tuple[str, Any], ...], str, int, Decimal]],
    partitions: Callable[[set[tuple[str, Any]]], Iterable[tuple[Any, Sequence[Any]]]],
) -> tuple[dict[tuple[str, str, Any], int], dict[tuple[str, str, Any], Decimal], set[Any]]:
    """Roll the finest groups (their cells at every level, dimension, students, score sum) up
    to every level's cells and protect them (primary and complementary suppression, per
    dimension, over the partitions the page's reader sees)."""
    counts: dict[tuple[str, str, Any], int] = defaultdict(int)
    sums: dict[tuple[str, str, Any], Decimal] = defaultdict(Decimal)
    cells: set[tuple[str, Any]] = set()
    for path, dim, n, total in groups:
        for level, key in path:
            counts[(dim, level, key)] += n
            sums[(dim, level, key)] += total
            cells.add((level, key))
    parts = [
        ((d, *parent), [(d, *c) for c in children])
        for d, _label in DIMS
        for parent, children in partitions(cells)
    ]
    return counts, sums, protect(counts, parts, MIN_GROUP)


def school_figures(school_id: int | None, term: Term | None) -> dict[str, Any]:
    """A school's figures this term, as its own admin and teachers see them: the whole school,
    each grade (`by_grade`) and each class (`classes`: class id → row). Complementary
    suppression over school → grades and grade → classes, so that no class or grade under
    MIN_GROUP students can be worked out from the others by difference."""
    rows = (
        CohortScore.objects.filter(school_id=school_id, term=term).values_list(
            "grade", "school_class_id", "dimension", "students", "total"
        )
        if school_id is not None and term is not None
        else []
    )
    groups = [
        (
            (("school", None), ("grade", g)) + ((("class", c),) if c is not None else ()),
            d, int(n), Decimal(total),
        )
        for g, c, d, n, total in rows
    ]  # fmt: skip
    grade_of = {c: g for g, c, *_ in rows if c is not None}

    def partitions(cells: set[tuple[str, Any]]) -> list[tuple[Any, list[Any]]]:
        grades = sorted(k for lv, k in cells if lv == "grade")
        out: list[tuple[Any, list[Any]]] = [(("school", None), [("grade", g) for g in grades])]
        for g in grades:
            out.append((("grade", g), [("class", c) for c, cg in grade_of.items() if cg == g]))
        return out

    counts, sums, hidden = _figures(groups, partitions)
    grades = sorted({g for g, *_ in rows})
    return {
        "whole": _rows([None], "school", counts, sums, hidden),
        "by_grade": _rows(grades, "grade", counts, sums, hidden),
        "classes": {r["key"]: [r] for r in _rows(sorted(grade_of), "class", counts, sums, hidden)},
    }


def county_figures(term: Term | None) -> dict[str, Any]:
    """The county's figures this term, as the bureau sees them: the whole county, each
    urban/town/rural class (`by_ur`, in that order) and each school (`by_school`: key = school
    id). Complementary suppression over county → urban/town/rural, county → schools and each
    urban/town/rural class → its schools."""
    from junheng.region.models import UrbanRural

    rows = (
        CohortScore.objects.filter(term=term)
        .values_list("school_id", "school__urban_rural", "dimension")
        .annotate(n=Sum("students"), total=Sum("total"))
        .order_by()
        if term is not None
        else []
    )
    groups = [
        ((("county", None), ("ur", u), ("school", s)), d, int(n), Decimal(total))
        for s, u, d, n, total in rows
    ]
    ur_of = {s: u for s, u, *_ in rows}

    def partitions(cells: set[tuple[str, Any]]) -> list[tuple[Any, list[Any]]]:
        urs = sorted(k for lv, k in cells if lv == "ur")
        out: list[tuple[Any, list[Any]]] = [
            (("county", None), [("ur", u) for u in urs]),
            (("county", None), [("school", s) for s in sorted(ur_of)]),
        ]
        for u in urs:
            out.append((("ur", u), [("school", s) for s, su in sorted(ur_of.items()) if su == u]))
        return out

    counts, sums, hidden = _figures(groups, partitions)
    return {
        "whole": _rows([None], "county", counts, sums, hidden),
        "by_ur": _rows([u.value for u in UrbanRural], "ur", counts, sums, hidden),
        "by_school": _rows(sorted(ur_of, key=str), "school", counts, sums, hidden),
    }


def needing_support(school_id: int, term: Term, share: float = 0.2) -> list[dict[str, Any]]:
    """Children of the school in the lowest `share` of its grade in a dimension this term
    (Yueqing's last 20%): for the school's own eyes only, to plan support, never a rank.

    One query of (student, grade, dimension) in score order, then one of the school's children
    and one of its classes, as plain values (not a model instance per score row: a large school
    has 15,000 of them)."""
    rows = (
        DimensionScore.objects.filter(student__school_id=school_id, term=term)
        .order_by("student__grade", "dimension", "score", "student__code")
        .values_list("student_id", "student__grade", "dimension")
    )
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for sid, grade, dim in rows:
        groups[(grade, dim)].append(sid)
    labels = dict(Dimension.choices)
    dims_of: dict[int, list[str]] = defaultdict(list)
    for (_grade, dim), ids in groups.items():
        for sid in ids[: int(len(ids) * share)]:
            dims_of[sid].append(str(labels[dim]))
    # the school's children, not `pk__in` thousands of ids (most of a school is flagged
    # somewhere: the lowest 20% in any of five dimensions); plain values, not instances
    students = (
        Student.objects.filter(school_id=school_id)
        .order_by("grade", "code")
        .values_list("pk", "name", "grade", "school_class_id")
        if dims_of
        else []
    )
    classes = {c.pk: str(c) for c in SchoolClass.objects.filter(school_id=school_id)}
    return [
        {
            "student": {"pk": pk, "name": name, "grade": grade,
                        "school_class": classes.get(cid, "")},
            "dimensions": dims_of[pk],
        }
        for pk, name, grade, cid in students
        if pk in dims_of
    ]  # fmt: skip
