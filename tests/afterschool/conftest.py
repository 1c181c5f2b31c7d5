"""Fixtures of the course supermarket tests: uploads in a temporary MEDIA_ROOT, a current term,
weekly slots, and providers made through the real actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
VALID_CREDIT = "91440300708461136T"  # a real, published code (check character T)


def pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def term(db):
    from junheng.region.models import Term

    return Term.objects.create(
        name="2026 春季", start=dt.date(2026, 2, 16), end=dt.date(2026, 7, 3), is_current=True
    )


@pytest.fixture
def slots(db):
    from junheng.region.models import TimeSlot

    out = []
    for wd in range(1, 6):
        out.append(
            TimeSlot.objects.create(
                weekday=wd, period=1, start=dt.time(15, 30), end=dt.time(16, 30)
            )
        )
        out.append(
            TimeSlot.objects.create(
                weekday=wd, period=2, start=dt.time(16, 40), end=dt.time(17, 40)
            )
        )
    return out


@pytest.fixture
def make_provider(db, users):
    """make_provider(name, status='approved', ...) -> (staff user, provider) via the actions."""
    from junheng.afterschool import actions

    counter = {"n": 0}

    def make(
        name: str = "海盐非遗古琴社",
        *,
        status: str = "approved",
        x: float = 2.0,
        y: float = 2.0,
        weekly_sessions: int = 10,
        until: dt.date | None = None,
        username: str | None = None,
    ):
        counter["n"] += 1
        user, provider = actions.do_register_provider(
            username=username or f"prov{counter['n']}",
            password="x-Very-Long-pw-123",
            fields={
                "name": name,
                "org_type": "artist",
                "record_id": f"REC-{counter['n']}",
                "contact_name": "李老师",
                "contact_phone": "13800000000",
                "service_items": "古琴、书法",
                "fee_standards": "每课时 30 元",
                "x_km": x,
                "y_km": y,
                "weekly_sessions": weekly_sessions,
            },
            licence=pdf(),
        )
        if status == "draft":
            return user, provider
        actions.do_add_instructor(
            provider,
            by=user,
            name="王琴师",
            qualifications="非遗传承人",
            background_check=pdf("check.pdf"),
            background_check_expires=today() + dt.timedelta(days=365),
        )
        actions.do_submit_provider(provider, by=user)
        if status == "submitted":
            return user, provider
        actions.do_approve_provider(
            provider, by=users["bureau"], until=until or today() + dt.timedelta(days=365)
        )
        return user, provider

    return make


COURSE = {
    "title": "古琴入门",
    "category": "heritage",
    "grade_min": 3,
    "grade_max": 9,
    "seats": 20,
    "sessions_per_week": 1,
    "fee_per_term": 300,
    "content": "认识古琴，学弹《仙翁操》。",
    "max_km": 30,
}


@pytest.fixture
def make_course(db, users):
    """make_course(provider, staff, **overrides) -> an approved course, via the actions."""
    from junheng.afterschool import actions

    def make(provider, staff, *, approve: bool = True, **over):
        course = actions.do_propose_course(provider, by=staff, fields={**COURSE, **over})
        if approve:
            actions.do_approve_course(course, by=users["bureau"])
        return course

    return make
