"""Read-only queries of growth portraits: a child's portrait, cohort figures with suppression.

Every cohort figure a page shows is computed here (`school_figures`, `county_figures`): one
query of the finest cells (`CohortScore`, which `store_cohorts` writes with every scoring run),
rolled up, then protected by
`junheng.engines.portraits.suppression.protect` — no figure for a cell under MIN_GROUP
students, nor for one that would give such a cell away by difference."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, F, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from junheng.engines.portraits import MIN_GROUP
from junheng.engines.portraits.suppression import protect
from junheng.portraits.models import CohortScore, Dimension, DimensionScore, IndicatorScore
from junheng.region.models import Student, Term

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
    """The latest term that has scores, read from its cohort cells (an EXISTS over a city's
    five million scores is a full scan for a term that has none).

    One small query per term, newest first, until one has a cell (a handful of terms: the
    newest scored is usually the first or second). Asked of all terms at once, PostgreSQL
    cannot tell a term without cells from one with 120,000 and scanned them for it: a WHERE
    EXISTS became a hashed semi-join over every cell, an EXISTS in the select list a scan of
    the cells of every term (15-34 ms on the city); a term's own query takes under 1 ms."""
    for term in Term.objects.order_by("-start"):
        if CohortScore.objects.filter(term_id=term.pk).exists():
            return term
    return None


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
    from junheng.region.models import School, UrbanRural

    # Summed over the cells alone, the schools' classes read apart: joined to the schools in
    # the query it took 60-80 ms on a city term's 120,000 cells, alone 40.
    rows = (
        CohortScore.objects.filter(term=term)
        .values_list("school_id", "dimension")
        .annotate(n=Sum("students"), total=Sum("total"))
        .order_by()
        if term is not None
        else []
    )
    school_ur = dict(School.objects.values_list("pk", "urban_rural")) if rows else {}
    groups = [
        ((("county", None), ("ur", school_ur[s]), ("school", s)), d, int(n), Decimal(total))
        for s, d, n, total in rows
    ]
    ur_of = {s: school_ur[s] for s, *_ in rows}

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


# Yueqing's last 20%: a child in the lowest fifth of its grade in a dimension needs support.
SUPPORT_SHARE = Fraction(1, 5)


@dataclass(frozen=True)
class Flagged:
    """A child needing support: its grade and class, and the dimensions (in `DIMS` order) it
    is in the lowest share of its grade in."""

    student_id: int
    grade: int
    school_class_id: int | None
    dimensions: tuple[str, ...]


def support_flags(
    school_id: int,
    term: Term,
    *,
    grade: int | None = None,
    dimension: str | None = None,
    share: Fraction = SUPPORT_SHARE,
) -> list[Flagged]:
    """Children of the school in the lowest `share` of their grade in a dimension this term
    (Yueqing's last 20%: the first ``floor(n * share)`` of a grade's n children in score order,
    ties by code): for the school's own eyes only, to plan support, never a rank. In grade and
    code order. `grade` and `dimension` narrow the list; neither changes a flag (a grade's
    children are ranked among themselves, in each dimension on its own).

    Ranked in the database (a window over the school's scores, one query), so only the
    flagged (child, dimension) pairs come back, not the 15,000 scores of a large school."""
    scores = DimensionScore.objects.filter(student__school_id=school_id, term=term)
    if grade is not None:
        scores = scores.filter(student__grade=grade)
    if dimension is not None:
        scores = scores.filter(dimension=dimension)
    cohort = [F("student__grade"), F("dimension")]
    rows = (
        scores.annotate(
            place=Window(RowNumber(), partition_by=cohort,
                         order_by=[F("score").asc(), F("student__code").asc()]),
            cohort_size=Window(Count("pk"), partition_by=cohort),
        )
        # place <= floor(size * share): whole numbers, integer division
        .filter(place__lte=F("cohort_size") * share.numerator / share.denominator)
        .values_list("student_id", "student__grade", "student__school_class_id",
                     "student__code", "dimension")
    )  # fmt: skip
    order = {d: k for k, (d, _label) in enumerate(DIMS)}
    found: dict[int, tuple[int, str, int | None, list[str]]] = {}
    for sid, g, cid, code, dim in rows:
        found.setdefault(sid, (g, code, cid, []))[3].append(dim)
    in_order = sorted(found.items(), key=lambda item: item[1][:2])  # grade, code
    return [
        Flagged(sid, g, cid, tuple(sorted(dims, key=order.__getitem__)))
        for sid, (g, _code, cid, dims) in in_order
    ]


def support_rows(flagged: Sequence[Flagged]) -> list[dict[str, Any]]:
    """The rows of these flagged children, in their order: the child (pk, name, grade, class)
    and the labels of its dimensions. One query (of the children's names and classes): give
    it a page, or the export's chunks, not a whole school."""
    students = {
        s.pk: s
        for s in Student.objects.filter(pk__in=[f.student_id for f in flagged])
        .select_related("school_class")
        .only("pk", "code", "name", "grade", "school_class__grade", "school_class__number")
    }
    labels = dict(Dimension.choices)
    out = []
    for f in flagged:
        s = students.get(f.student_id)
        if s is None:  # left the school since the list was read
            continue
        out.append(
            {
                "student": {"pk": s.pk, "code": s.code, "name": s.name, "grade": s.grade,
                            "school_class": str(s.school_class) if s.school_class else ""},
                "dimensions": [str(labels[d]) for d in f.dimensions],
            }
        )  # fmt: skip
    return out
