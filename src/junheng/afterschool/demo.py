"""Demo data of the course supermarket, from the synthetic region (`junheng demo`).

Loads the region's providers and courses (about 80 / 400 in the county profile) with a mix of
vetting states — most on the white list with their history, a few submitted and waiting for the
bureau — instructors with valid background checks, the region's offerings for the current term
(their synth ids kept in `Offering.code`, so choices files line up) and every school's menu
published, so parents see a menu at once. The bureau can then run a balanced-supply plan from
its page and compare before and after. Everything is bulk-inserted.

Accounts: "provider" (an approved provider with offerings) and "provider_new" (an application
submitted for vetting).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from junheng.accounts.models import Role, User
from junheng.afterschool.models import (
    Category,
    Course,
    CourseEvent,
    CourseStatus,
    DocumentKind,
    Instructor,
    Menu,
    MenuStatus,
    Offering,
    OfferingSource,
    OrgType,
    Provider,
    ProviderDocument,
    ProviderStaff,
    ProviderStatus,
    VettingEvent,
)
from junheng.afterschool.models.providers import credit_check_char
from junheng.afterschool.tutoring import tutoring_terms
from junheng.region.models import School, Term, TimeSlot
from junheng.synth.names import person_names
from junheng.synth.region import rng_for

BATCH = 1000
N_SUBMITTED = 4
# synth category -> (course category, organisation type)
CATEGORY = {
    "art": Category.ARTS,
    "music": Category.ARTS,
    "sports": Category.SPORTS,
    "stem": Category.SCIENCE_TECH,
    "culture": Category.HERITAGE,
    "labour": Category.LABOUR,
}
FEE_BASE = {"art": 320, "music": 360, "sports": 260, "stem": 400, "culture": 280, "labour": 200}
# A one-page PDF saying "demo document": every demo licence and certificate points to it.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 52>>stream\nBT /F1 18 Tf 40 70 Td (junheng demo document) Tj ET\nendstream\nendobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _demo_file(name: str) -> str:
    path = f"afterschool/demo/{name}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(DEMO_PDF))
    return path


def _credit_code(prefix: str, county_code: str, i: int) -> str:
    first17 = f"{prefix}{county_code[:6]:0<6}MA{i:07d}"
    return first17 + credit_check_char(first17)


def load(ctx: Any) -> list[tuple[str, str, str]]:
    region = ctx.region
    out = ctx.out
    term = Term.objects.filter(is_current=True).first()
    providers_df = region.providers.reset_index(drop=True)
    courses_df = region.courses.reset_index(drop=True)
    offerings_df = region.offerings.reset_index(drop=True)
    now = timezone.now()
    today = timezone.localdate()
    until = dt.date(region.school_year + 2, 8, 31)
    licence = _demo_file("licence.pdf")
    certificate = _demo_file("background-check.pdf")
    rng = rng_for(region.seed, "afterschool-demo")

    offered = set(offerings_df.course_id)
    offered_providers = set(courses_df[courses_df.course_id.isin(offered)].provider_id)
    waiting = [p for p in providers_df.provider_id if p not in offered_providers][:N_SUBMITTED]
    if len(waiting) < N_SUBMITTED:  # every provider has offerings: take the last ones
        waiting += [p for p in providers_df.provider_id[::-1] if p not in waiting][
            : N_SUBMITTED - len(waiting)
        ]
    waiting_set = set(waiting)
    by_provider_courses = courses_df.groupby("provider_id", sort=False).name.agg(list)

    with transaction.atomic():
        rows: list[Provider] = []
        contact_sur, contact_given = person_names(rng, rng.random(len(providers_df)) < 0.5)
        for i, p in enumerate(providers_df.itertuples(index=False)):
            if p.category == "labour":
                org = OrgType.VENUE
            elif i % 9 == 4:
                org = OrgType.ASSOCIATION
            elif i % 13 == 7:
                org = OrgType.ARTIST
            else:
                org = OrgType.TRAINING
            items = sorted(set(by_provider_courses.get(p.provider_id, [])))
            fee_hour = 20 + (i * 7) % 25
            status = (
                ProviderStatus.SUBMITTED
                if p.provider_id in waiting_set
                else ProviderStatus.APPROVED
            )
            rows.append(
                Provider(
                    name=p.name,
                    org_type=org,
                    credit_code=""
                    if org == OrgType.ARTIST
                    else _credit_code(
                        "51" if org == OrgType.ASSOCIATION else "91", region.county_code, i + 1
                    ),
                    record_id=f"{region.county_code}-YS-{i + 1:04d}"
                    if org == OrgType.ARTIST
                    else "",
                    county=ctx.county,
                    contact_name=f"{contact_sur[i]}{contact_given[i]}",
                    contact_phone=f"138{(i * 7919) % 10**8:08d}",
                    address=f"{ctx.county.name}（演示地址）",
                    x_km=float(p.x_km),
                    y_km=float(p.y_km),
                    description=f"{p.name}：面向中小学生的非学科类课后服务。",
                    service_items="、".join(items) or p.name,
                    fee_standards=(
                        "公益，不收费"
                        if org == OrgType.ASSOCIATION
                        else f"每课时 {fee_hour} 元，按实际授课课时结算；低收入家庭学生免费"
                    ),
                    weekly_sessions=int(p.weekly_sessions),
                    status=status,
                    whitelist_until=until if status == ProviderStatus.APPROVED else None,
                    submitted_at=now
                    - dt.timedelta(days=30 if status == ProviderStatus.APPROVED else 2),
                    created_at=now - dt.timedelta(days=40),
                )
            )
        Provider.objects.bulk_create(rows, batch_size=BATCH)
        prov = dict(zip(providers_df.provider_id, rows, strict=True))

        bureau = User.objects.filter(role=Role.BUREAU).order_by("pk").first()
        events: list[VettingEvent] = []
        docs: list[ProviderDocument] = []
        instructors: list[Instructor] = []
        n_inst = 1 + providers_df.weekly_sessions.to_numpy() // 10
        sur, given = person_names(rng, rng.random(int(n_inst.sum())) < 0.5)
        k = 0
        for idx, obj in enumerate(prov.values()):
            events.append(
                VettingEvent(
                    provider=obj,
                    at=obj.submitted_at,
                    by=None,
                    from_status=ProviderStatus.DRAFT,
                    to_status=ProviderStatus.SUBMITTED,
                )
            )
            if obj.status == ProviderStatus.APPROVED:
                events.append(
                    VettingEvent(
                        provider=obj,
                        at=obj.submitted_at + dt.timedelta(days=5),
                        by=bureau,
                        from_status=ProviderStatus.SUBMITTED,
                        to_status=ProviderStatus.APPROVED,
                        reason="材料齐全，准入",
                        whitelist_until=until,
                    )
                )
            docs.append(
                ProviderDocument(
                    provider=obj,
                    kind=DocumentKind.LICENCE,
                    file=licence,
                    original_name="licence.pdf",
                    uploaded_at=obj.created_at,
                )
            )
            for _ in range(int(n_inst[idx])):
                instructors.append(
                    Instructor(
                        provider=obj,
                        name=f"{sur[k]}{given[k]}",
                        qualifications="教师资格证" if k % 3 else "专业资格证书、从业 5 年以上",
                        background_check=certificate,
                        background_check_expires=today + dt.timedelta(days=200 + (k * 37) % 500),
                    )
                )
                k += 1
        VettingEvent.objects.bulk_create(events, batch_size=BATCH)
        ProviderDocument.objects.bulk_create(docs, batch_size=BATCH)
        Instructor.objects.bulk_create(instructors, batch_size=BATCH)

        courses: list[Course] = []
        for j, c in enumerate(courses_df.itertuples(index=False)):
            p = prov[c.provider_id]
            title = str(c.name)
            category = CATEGORY.get(c.category, Category.OTHER)
            if c.category == "culture" and "阅读" in title:
                category = Category.READING
            content = (
                f"面向 {c.grade_min}–{c.grade_max} 年级学生的{title}课程，每周 {c.sessions_per_week} 次，"
                "注重兴趣培养与动手实践，课堂内完成，不布置书面任务。"
            )
            ok = p.status == ProviderStatus.APPROVED and not tutoring_terms(title, content)
            fee = (
                0
                if p.org_type == OrgType.ASSOCIATION
                else FEE_BASE.get(c.category, 300) + (j % 5) * 20
            )
            courses.append(
                Course(
                    provider=p,
                    title=title,
                    category=category,
                    grade_min=int(c.grade_min),
                    grade_max=int(c.grade_max),
                    seats=int(c.seats),
                    sessions_per_week=int(c.sessions_per_week),
                    fee_per_term=Decimal(fee),
                    content=content,
                    max_km=float(c.max_km),
                    status=CourseStatus.APPROVED if ok else CourseStatus.SUBMITTED,
                    created_at=now,
                )
            )
        Course.objects.bulk_create(courses, batch_size=BATCH)
        course_of = dict(zip(courses_df.course_id, courses, strict=True))
        CourseEvent.objects.bulk_create(
            [
                CourseEvent(
                    course=c,
                    by=None,
                    from_status=CourseStatus.DRAFT,
                    to_status=CourseStatus.SUBMITTED,
                    at=now,
                )
                for c in courses
            ]
            + [
                CourseEvent(
                    course=c,
                    by=bureau,
                    from_status=CourseStatus.SUBMITTED,
                    to_status=CourseStatus.APPROVED,
                    at=now,
                )
                for c in courses
                if c.status == CourseStatus.APPROVED
            ],
            batch_size=BATCH,
        )

        n_offerings = 0
        if term is not None:
            slot_of = {s.code: s for s in TimeSlot.objects.all()}
            school_of = {s.code: s for s in School.objects.all()}
            offers = []
            for o in offerings_df.itertuples(index=False):
                c = course_of[o.course_id]
                if c.status != CourseStatus.APPROVED or o.slot not in slot_of:
                    continue
                offers.append(
                    Offering(
                        term=term,
                        code=str(o.offering_id),
                        course=c,
                        school=school_of[o.school_id],
                        slot=slot_of[o.slot],
                        seats=int(o.capacity),
                        fee=c.fee_per_term,
                        source=OfferingSource.SUPPLY,
                    )
                )
            Offering.objects.bulk_create(offers, batch_size=BATCH)
            n_offerings = len(offers)
            schools_with = sorted({o.school.pk for o in offers})
            Menu.objects.bulk_create(
                [
                    Menu(
                        term=term,
                        school_id=s,
                        status=MenuStatus.PUBLISHED,
                        published_at=now,
                        note="欢迎家长为孩子选择感兴趣的课程。",
                    )
                    for s in schools_with
                ],
                batch_size=BATCH,
            )

        hashed = make_password(ctx.password)
        counts: dict[int, int] = defaultdict(int)
        for c in courses:
            if c.provider_id is not None:
                counts[c.provider_id] += 1
        approved = [p for p in rows if p.status == ProviderStatus.APPROVED]
        main = max(approved, key=lambda p: (counts[p.pk], -p.pk))
        new = prov[waiting[0]]
        for username, provider in (("provider", main), ("provider_new", new)):
            user = User(
                username=username,
                role=Role.PROVIDER,
                password=hashed,
                first_name=provider.contact_name,
            )
            user.save()
            ProviderStaff.objects.create(user=user, provider=provider)

    out.write(
        f"  {len(rows)} providers ({len(waiting)} waiting for vetting), "
        f"{len(instructors)} instructors, {len(courses)} courses, {n_offerings} offerings\n"
    )
    return [
        ("校外机构 provider", "provider", f"{main.name}：白名单机构、课程、学校点单"),
        ("校外机构 provider", "provider_new", f"{new.name}：已提交入驻申请，待教育局审核"),
    ]
