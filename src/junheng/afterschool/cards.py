"""What a parent reads about an offering before ranking it: the course's description, photo,
instructor, schedule and fee, and the seats left from the seat ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import prefetch_related_objects

from junheng.afterschool.models import CoursePhoto, Offering


@dataclass(frozen=True)
class OfferingCard:
    """What a parent reads before ranking an offering (templates/afterschool/_offering_details)."""

    o: Offering
    seats_left: int
    photo: CoursePhoto | None


def offering_cards(offerings: Iterable[Offering]) -> list[OfferingCard]:
    """Each offering with its seats left from the seat ledger (seats less active enrolments
    and open waitlist offers) and its course's first photo. A fixed number of queries for any
    number of offerings."""
    from junheng.afterschool.access import public_courses
    from junheng.enrolment.ledger import taken_by_offering

    rows = list(offerings)
    # What the card shows, fetched once for all (the callers' querysets differ in what they join).
    prefetch_related_objects(
        rows,
        "term",
        "slot",
        "instructor",
        "course__instructor",
        "course__provider",
        "course__school",
    )
    taken = taken_by_offering(o.pk for o in rows)
    photos: dict[int, CoursePhoto] = {}
    # Only photos a parent may open (afterschool.access.access_photo: public courses).
    shown = CoursePhoto.objects.filter(
        course_id__in={o.course_id for o in rows}, course__in=public_courses()
    )
    for ph in shown.order_by("course_id", "pk"):
        photos.setdefault(ph.course_id, ph)
    return [
        OfferingCard(o, max(0, o.seats - taken.get(o.pk, 0)), photos.get(o.course_id)) for o in rows
    ]
