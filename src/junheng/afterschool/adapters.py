"""The seam between the course supermarket's rows and the supply engine (junheng.engines.supply).

`load_live` is the only function here that reads the database; everything else works on plain
rows, so the figures and the slot spreading are testable without one.

Engine ids: a provider is ``P<pk>``, a course ``C<pk>``, a school its code.
What the engine gets (balanced supply, 均衡配课):
- courses: approved provider courses of providers on the white list that day, with a valid
  instructor (the course's own, or any of the provider's active instructors whose background
  check has not expired); a course starts from its provider's location;
- providers: their declared weekly sessions, less the sessions already given to schools' course
  requests this term;
- schools: schools with students; slots = the school's `after_school_slots` less the sessions
  already taken by approved course requests this term.
Before = the term's open offerings; after = the open offerings that a publish keeps (requests
and schools' own courses) plus the plan.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from junheng.engines.stats import weighted_cv

URBAN_RURAL = ("urban", "town", "rural")


@dataclass(frozen=True)
class SchoolRow:
    pk: int
    code: str
    name: str
    urban_rural: str
    students: int
    slots: int
    x_km: float
    y_km: float


@dataclass(frozen=True)
class OfferingRow:
    """What the figures need of an offering: where, what category, how many seats."""

    school_pk: int
    category: str
    seats: int


@dataclass
class Live:
    providers: list[Any] = field(default_factory=list)
    courses: list[Any] = field(default_factory=list)
    schools: list[Any] = field(default_factory=list)
    school_rows: list[SchoolRow] = field(default_factory=list)
    # course pk -> (category, seats per section, x_km, y_km)
    course_info: dict[int, tuple[str, int, float, float]] = field(default_factory=dict)
    open_offerings: list[OfferingRow] = field(default_factory=list)
    kept_offerings: list[OfferingRow] = field(default_factory=list)

    @property
    def school_by_code(self) -> dict[str, SchoolRow]:
        return {s.code: s for s in self.school_rows}


def course_key(pk: int) -> str:
    return f"C{pk}"


def provider_key(pk: int) -> str:
    return f"P{pk}"


def load_live(term: Any, *, on: dt.date) -> Live:
    """Build the engine inputs for a term from the live data (the one database reader here)."""
    from django.db.models import Count, F, Q, Sum

    from junheng.afterschool.models import (
        Course,
        CourseStatus,
        Instructor,
        Offering,
        OfferingSource,
        OfferingStatus,
        Provider,
        ProviderStatus,
    )
    from junheng.engines.supply import SupplyCourse, SupplyProvider, SupplySchool
    from junheng.region.models import School

    live = Live()
    valid_inst = Instructor.objects.filter(active=True, background_check_expires__gte=on)
    providers = {
        p.pk: p
        for p in Provider.objects.filter(
            status=ProviderStatus.APPROVED, whitelist_until__gte=on
        ).filter(pk__in=valid_inst.values("provider_id"))
    }
    valid_ids = set(valid_inst.values_list("pk", flat=True))
    request_offers = Offering.objects.filter(
        term=term, status=OfferingStatus.OPEN, source=OfferingSource.REQUEST
    )
    used_by_provider = dict(
        request_offers.values("course__provider_id")
        .annotate(n=Sum("course__sessions_per_week"))
        .values_list("course__provider_id", "n")
    )
    used_by_school = dict(
        request_offers.values("school_id")
        .annotate(n=Sum("course__sessions_per_week"))
        .values_list("school_id", "n")
    )
    for p in providers.values():
        left = max(0, p.weekly_sessions - int(used_by_provider.get(p.pk, 0) or 0))
        live.providers.append(SupplyProvider(provider_id=provider_key(p.pk), weekly_sessions=left))
    courses = (
        Course.objects.filter(status=CourseStatus.APPROVED, provider_id__in=list(providers))
        .filter(Q(instructor__isnull=True) | Q(instructor_id__in=valid_ids))
        .order_by("pk")
    )
    for c in courses:
        assert c.provider_id is not None  # filtered on provider_id__in above
        p = providers[c.provider_id]
        live.course_info[c.pk] = (c.category, c.seats, p.x_km, p.y_km)
        live.courses.append(
            SupplyCourse(
                course_id=course_key(c.pk),
                provider_id=provider_key(p.pk),
                category=c.category,
                seats=c.seats,
                sessions_per_week=c.sessions_per_week,
                max_km=c.max_km,
                x_km=p.x_km,
                y_km=p.y_km,
            )
        )
    schools = School.objects.annotate(n=Count("students")).filter(n__gt=0).order_by("code")
    for s in schools:
        slots = max(0, s.after_school_slots - int(used_by_school.get(s.pk, 0) or 0))
        row = SchoolRow(s.pk, s.code, s.name, s.urban_rural, s.n, slots, s.x_km, s.y_km)
        live.school_rows.append(row)
        live.schools.append(
            SupplySchool(
                school_id=s.code,
                urban_rural=s.urban_rural,
                students=s.n,
                x_km=s.x_km,
                y_km=s.y_km,
                slots=slots,
            )
        )
    for school_pk, category, seats, source in Offering.objects.filter(
        term=term, status=OfferingStatus.OPEN
    ).values_list("school_id", F("course__category"), "seats", "source"):
        offering = OfferingRow(school_pk, category, seats)
        live.open_offerings.append(offering)
        if source != OfferingSource.SUPPLY:
            live.kept_offerings.append(offering)
    return live


def pins_for_engine(
    pins: Iterable[tuple[int, str, str, int]], live: Live
) -> tuple[dict[tuple[str, str], int], list[tuple[str, str]]]:
    """(course pk, school code, status, sections) of locked/forbidden placements -> engine args.

    A pin on a course or school the engine does not see this time (a provider dropped off the
    white list meanwhile) is left out rather than failing the run.
    """
    known_courses = {c.course_id for c in live.courses}
    known_schools = {s.school_id for s in live.schools}
    locked: dict[tuple[str, str], int] = {}
    forbidden: list[tuple[str, str]] = []
    for course_pk, school_code, status, sections in pins:
        key = (course_key(course_pk), school_code)
        if key[0] not in known_courses or school_code not in known_schools:
            continue
        if status == "locked":
            locked[key] = sections
        elif status == "forbidden":
            forbidden.append(key)
    return locked, forbidden


def placements_from_plan(
    sections: Mapping[tuple[str, str], int], live: Live
) -> list[tuple[int, int, int, float]]:
    """The plan's (course id, school id) -> sections as (course pk, school pk, sections, km)."""
    by_code = live.school_by_code
    out = []
    for (cid, scode), n in sorted(sections.items()):
        if n <= 0:
            continue
        course_pk = int(cid[1:])
        s = by_code[scode]
        _cat, _seats, x, y = live.course_info[course_pk]
        out.append((course_pk, s.pk, int(n), round(math.hypot(s.x_km - x, s.y_km - y), 2)))
    return out


def planned_offerings(rows: Sequence[tuple[int, int, int, float]], live: Live) -> list[OfferingRow]:
    out: list[OfferingRow] = []
    for course_pk, school_pk, sections, _km in rows:
        category, seats, _x, _y = live.course_info[course_pk]
        out.extend(OfferingRow(school_pk, category, seats) for _ in range(sections))
    return out


def _per100(seats: float, students: int) -> float:
    return round(100.0 * seats / students, 2) if students > 0 else 0.0


def school_figures(
    schools: Sequence[SchoolRow], offerings: Iterable[OfferingRow], target: float
) -> dict[str, Any]:
    """Seats per 100 students and categories per school, and per urban/town/rural class.

    Returns {"schools": [{school_id, name, urban_rural, students, seats, seats_per100,
    categories}], "classes": {class: {students, seats, seats_per100, schools}},
    "min_seats_per100", "schools_at_target", "cv_seats_per100"} — the CV is enrolment-weighted
    over min(seats per 100, target), as the engine's summary.
    """
    seats: dict[int, int] = defaultdict(int)
    cats: dict[int, set[str]] = defaultdict(set)
    for o in offerings:
        seats[o.school_pk] += o.seats
        cats[o.school_pk].add(o.category)
    rows: list[dict[str, Any]] = []
    classes: dict[str, dict[str, float]] = {
        k: {"students": 0, "seats": 0, "schools": 0} for k in URBAN_RURAL
    }
    for s in schools:
        per100 = _per100(seats[s.pk], s.students)
        rows.append(
            {
                "school_id": s.code,
                "pk": s.pk,
                "name": s.name,
                "urban_rural": s.urban_rural,
                "students": s.students,
                "seats": seats[s.pk],
                "seats_per100": per100,
                "categories": sorted(cats[s.pk]),
            }
        )
        c = classes.setdefault(s.urban_rural, {"students": 0, "seats": 0, "schools": 0})
        c["students"] += s.students
        c["seats"] += seats[s.pk]
        c["schools"] += 1
    for c in classes.values():
        c["seats_per100"] = _per100(c["seats"], int(c["students"]))
    values = [min(r["seats_per100"], target) for r in rows]
    return {
        "schools": rows,
        "classes": classes,
        "min_seats_per100": min((r["seats_per100"] for r in rows), default=0.0),
        "schools_at_target": sum(1 for r in rows if r["seats_per100"] >= target),
        "cv_seats_per100": round(weighted_cv(values, [r["students"] for r in rows]), 4)
        if rows
        else 0.0,
    }


def assign_slots(
    sections: Sequence[tuple[int, int, int]],
    slots_of: Mapping[int, Sequence[int]],
    load: Mapping[tuple[int, int], int] | None = None,
) -> list[tuple[int, int, int]]:
    """Spread sections over each school's weekly slots, deterministically.

    `sections`: (school pk, course pk, number of sections); `slots_of`: school pk -> its slot
    pks in week order; `load`: offerings already at (school, slot). Schools are taken in pk
    order, their courses in pk order; each section goes to the least loaded slot, preferring a
    slot where the same course is not yet given, ties to the earlier slot in the week.
    Returns (school pk, course pk, slot pk), one per section.
    """
    counts: dict[tuple[int, int], int] = dict(load or {})
    out: list[tuple[int, int, int]] = []
    for school_pk, course_pk, n in sorted(sections):
        slots = list(slots_of[school_pk])
        if not slots:
            raise ValueError(f"school {school_pk} has no slots")
        used_by_course: set[int] = set()
        for _ in range(n):
            best = min(
                range(len(slots)),
                key=lambda i: (slots[i] in used_by_course, counts.get((school_pk, slots[i]), 0), i),
            )
            slot = slots[best]
            used_by_course.add(slot)
            counts[(school_pk, slot)] = counts.get((school_pk, slot), 0) + 1
            out.append((school_pk, course_pk, slot))
    return out
