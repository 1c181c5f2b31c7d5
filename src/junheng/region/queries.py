"""Read-only aggregates over region data (no writes here: writes go through actions)."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import Count, Q, QuerySet
from django_stubs_ext import StrOrPromise

from junheng import kept
from junheng.region import countymap
from junheng.region.models import School, Student, Teacher, UrbanRural


class UrbanRuralCounts(TypedDict):
    """Schools, students and teachers of one urban/town/rural class (城乡类别)."""

    label: StrOrPromise
    schools: int
    students: int
    teachers: int


HEADCOUNTS_KEY = "junheng:region:headcounts"
PRIMARY_LAST_GRADE = 6  # grades 1–6 are primary, 7–9 junior


Headcounts = tuple[dict[int, tuple[int, int]], dict[int, int]]


def count_headcounts() -> Headcounts:
    """(school pk -> (students of grades 1–6, of grades 7–9), school pk -> teachers) of the
    whole region, counted now (two aggregate queries)."""
    rows = (
        Student.objects.values_list("school_id")
        .annotate(
            p=Count("id", filter=Q(grade__lte=PRIMARY_LAST_GRADE)),
            j=Count("id", filter=Q(grade__gt=PRIMARY_LAST_GRADE)),
        )
        .order_by()
    )
    students = {pk: (p, j) for pk, p, j in rows}
    teachers = dict(Teacher.objects.values_list("school_id").annotate(n=Count("id")).order_by())
    return students, teachers


def school_headcounts() -> Headcounts:
    """`count_headcounts()` for the pages, as kept by `junheng.kept` (the shared cache,
    counted again by a periodic job): a city's million students take a quarter of a second
    to count, on every bureau home page. Saving or deleting a school, teacher or student
    queues a recount (`kept.recount_soon`); bulk writes show at the next refresh."""
    return kept.read(HEADCOUNTS_KEY, count_headcounts)


GLANCE_KEY = "junheng:region:glance"


def region_glance() -> dict[str, Any]:
    """`county_glance` of every school (what a bureau sees, `scoping.schools_for`), as kept by
    `junheng.kept`: the bureau's home page shows it without reading 600 schools, counting
    or drawing their map on each view. Counted again with the head counts, also when a county's
    outline changes (region/apps.py)."""
    return kept.read(GLANCE_KEY, count_region_glance)


def count_region_glance() -> dict[str, Any]:
    return county_glance(School.objects.select_related("county"))


def county_glance(schools: QuerySet[School]) -> dict[str, Any]:
    """Schools, students and teachers by urban/town/rural class, and points for the map."""
    by_band, teachers = school_headcounts()
    students = {pk: p + j for pk, (p, j) in by_band.items()}
    rows = []
    by_class: dict[str, UrbanRuralCounts] = {
        c.value: {"label": c.label, "schools": 0, "students": 0, "teachers": 0} for c in UrbanRural
    }
    points = []
    for s in schools.order_by("code"):
        n_st, n_te = students.get(s.pk, 0), teachers.get(s.pk, 0)
        agg = by_class[s.urban_rural]
        agg["schools"] += 1
        agg["students"] += n_st
        agg["teachers"] += n_te
        points.append(
            {"x": s.x_km, "y": s.y_km, "name": s.name, "ur": s.urban_rural, "students": n_st}
        )
        rows.append((s, n_st, n_te))
    totals = {
        "schools": sum(v["schools"] for v in by_class.values()),
        "students": sum(v["students"] for v in by_class.values()),
        "teachers": sum(v["teachers"] for v in by_class.values()),
    }
    cmap = countymap.county_map([r[0] for r in rows], students={s.pk: n for s, n, _t in rows})
    return {"by_class": by_class, "totals": totals, "points": points, "rows": rows, "map": cmap}


def school_grades(school: School) -> list[dict[str, Any]]:
    return list(
        Student.objects.filter(school=school)
        .values("grade")
        .annotate(n=Count("id"))
        .order_by("grade")
    )
