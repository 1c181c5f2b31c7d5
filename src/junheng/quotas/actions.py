"""Quota-table writes (指标到校): the only code that changes high schools and quota tables.

Every function takes the acting user (`by=`), checks the state, writes in one transaction and
leaves an audit row. A published table is frozen: every edit of it is refused (an
`ActionError`); `do_new_version` copies it into a new draft (version + 1, `supersedes`) to
change it. Only the after-admission count of unfilled places (`do_record_unfilled`) may be written to a
published table: it records what happened to the allocation, it does not change it.

`quota_share(year)` (Σ seats / Σ plan of the latest published table) is re-exported from
`junheng.quotas.queries` for the balance monitor's item G14.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from junheng.accounts.models import Role, User, audit
from junheng.accounts.scoping import require_actor, require_bureau
from junheng.engines.io import InputError
from junheng.engines.quotas import METHODS
from junheng.errors import ActionError
from junheng.exports import Export, Sheet, notes_sheet
from junheng.quotas import adapters
from junheng.quotas.models import (
    GraduatesSource,
    HighSchool,
    JuniorGraduates,
    QuotaPlan,
    QuotaSeat,
    QuotaTable,
    Status,
)
from junheng.quotas.queries import latest_published, quota_share
from junheng.region.imports import FileError, RowError, read_table
from junheng.region.models import County, School
from junheng.region.resources import Column, cell_text

__all__ = [
    "current_year",
    "default_notes",
    "default_share",
    "do_create_table",
    "do_delete_draft",
    "do_export_school_xlsx",
    "do_export_table_xlsx",
    "do_import_graduates",
    "do_new_version",
    "do_publish",
    "do_record_unfilled",
    "do_save_high_school",
    "do_set_plans",
    "do_take_region_graduates",
    "do_update_settings",
    "latest_published",
    "quota_share",
]

NATIONAL_FLOOR = Decimal("0.5")
GRADUATE_COLUMNS = [
    Column(
        "code",
        "初中学校代码",
        required=True,
        aliases=("junior_id", "学校代码", "school_id", "初中代码"),
    ),
    Column("graduates", "毕业生数", required=True, aliases=("毕业生人数", "九年级人数")),
]


def _frozen(table: QuotaTable) -> ActionError:
    """A published table cannot be changed; make a new version."""
    return ActionError(
        _("%(table)s 已发布，不能修改；如需调整请新建版本。") % {"table": _label(table)}
    )


def _label(table: QuotaTable) -> str:
    return _("%(year)s 年第 %(v)s 版") % {"year": table.year, "v": table.version}


def current_year() -> int:
    return timezone.localdate().year


def default_share(year: int) -> Decimal:
    """Zhejiang: at least 60% of quality high schools' places, 70% from 2025."""
    return Decimal("0.70") if year >= 2025 else Decimal("0.60")


def default_notes() -> str:
    return _(
        "分配到各初中的名额，在该校符合条件（在该校就读满三年）的毕业生中按中考成绩从高到低"
        "录取；未完成的分配生名额退回统一招生，按成绩择优录取。"
    )


def _lock_draft(table: QuotaTable) -> QuotaTable:
    """Re-read the table under a row lock and refuse if it is no longer a draft."""
    locked = QuotaTable.objects.select_for_update().get(pk=table.pk)
    if locked.status != Status.DRAFT:
        raise _frozen(locked)
    return locked


def _check_settings(share: Decimal, method: str, min_seats: int) -> None:
    if not Decimal(0) < share <= Decimal(1):
        raise ActionError(_("分配比例须在 (0, 1] 之间"))
    if method not in METHODS:
        raise ActionError(_("未知的分配方法：%(m)s") % {"m": method})
    if min_seats < 0:
        raise ActionError(_("保底名额不能为负数"))


# --- high schools ---------------------------------------------------------------------------


def do_save_high_school(
    *,
    by: User,
    code: str,
    name: str,
    quality: bool = True,
    county: County | None = None,
    high_school: HighSchool | None = None,
) -> HighSchool:
    """Create a high school, or update `high_school`."""
    require_bureau(by)
    with transaction.atomic():
        hs = high_school or HighSchool()
        created = hs.pk is None
        hs.code, hs.name, hs.quality, hs.county = code.strip(), name.strip(), quality, county
        hs.full_clean()
        hs.save()
        audit(by, "quotas.save_high_school", hs, code=hs.code, created=created)
    return hs


# --- tables ---------------------------------------------------------------------------------


def _fill_region_graduates(table: QuotaTable) -> int:
    table.graduates.all().delete()
    counts = adapters.region_graduates()
    JuniorGraduates.objects.bulk_create(
        [JuniorGraduates(table=table, school_id=pk, graduates=n) for pk, n in counts.items()]
    )
    return len(counts)


def do_create_table(
    *,
    by: User,
    year: int,
    share: Decimal | None = None,
    method: str = "hamilton",
    min_seats: int = 0,
    plans: Mapping[int, int] | None = None,
) -> QuotaTable:
    """A draft table for a year with every quality high school (plan from `plans` by high-school
    pk, else 0) and every junior school's graduates from the region data. A year has one chain
    of versions: once it has a table, changes are new versions of it."""
    require_bureau(by)
    share = default_share(year) if share is None else Decimal(share)
    _check_settings(share, method, min_seats)
    with transaction.atomic():
        if QuotaTable.objects.filter(year=year).exists():
            raise ActionError(
                _("%(year)s 年已有分配表；请修改其草稿，或在已发布的版本上新建版本。")
                % {"year": year}
            )
        table = QuotaTable.objects.create(
            year=year,
            version=1,
            share=share,
            method=method,
            min_seats=min_seats,
            notes=default_notes(),
            created_by=by,
        )
        plans = plans or {}
        QuotaPlan.objects.bulk_create(
            [
                QuotaPlan(table=table, high_school=hs, plan=int(plans.get(hs.pk, 0)))
                for hs in HighSchool.objects.filter(quality=True)
            ]
        )
        juniors = _fill_region_graduates(table)
        audit(by, "quotas.create_table", table, year=year, share=str(share), juniors=juniors)
    return table


def do_update_settings(
    table: QuotaTable,
    *,
    by: User,
    share: Decimal,
    method: str,
    min_seats: int,
    notes: str | None = None,
) -> QuotaTable:
    require_bureau(by)
    share = Decimal(share)
    _check_settings(share, method, min_seats)
    with transaction.atomic():
        table = _lock_draft(table)
        table.share, table.method, table.min_seats = share, method, min_seats
        fields = ["share", "method", "min_seats"]
        if notes is not None:
            table.notes = notes
            fields.append("notes")
        table.save(update_fields=fields)
        audit(
            by,
            "quotas.update_settings",
            table,
            share=str(share),
            method=method,
            min_seats=min_seats,
        )
    return table


def do_set_plans(table: QuotaTable, plans: Mapping[int, int], *, by: User) -> QuotaTable:
    """Set each high school's plan (high-school pk → places ≥ 0); a new high school is added."""
    require_bureau(by)
    for pk, plan in plans.items():
        if int(plan) < 0:
            raise ActionError(_("招生计划数不能为负数"))
        if not HighSchool.objects.filter(pk=pk).exists():
            raise ActionError(_("未知的高中"))
    with transaction.atomic():
        table = _lock_draft(table)
        existing = {p.high_school_id: p for p in table.plans.all()}
        changed = []
        for pk, plan in plans.items():
            row = existing.get(pk)
            if row is None:
                QuotaPlan.objects.create(table=table, high_school_id=pk, plan=int(plan))
            elif row.plan != int(plan):
                row.plan = int(plan)
                changed.append(row)
        QuotaPlan.objects.bulk_update(changed, ["plan"])
        audit(by, "quotas.set_plans", table, plans={str(k): int(v) for k, v in plans.items()})
    return table


def do_take_region_graduates(table: QuotaTable, *, by: User) -> int:
    """Replace the table's graduates with the region's grade-9 counts; the number of juniors."""
    require_bureau(by)
    with transaction.atomic():
        table = _lock_draft(table)
        n = _fill_region_graduates(table)
        table.graduates_source = GraduatesSource.REGION
        table.save(update_fields=["graduates_source"])
        audit(by, "quotas.region_graduates", table, juniors=n)
    return n


@dataclass
class GraduatesImport:
    filename: str
    rows: int = 0
    updated: int = 0
    unlisted: int = 0  # juniors of the table the file did not name (kept as they were)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _graduates_from_file(data: bytes, filename: str) -> tuple[dict[str, int], GraduatesImport]:
    report = GraduatesImport(filename=filename)
    try:
        table = read_table(data, filename, GRADUATE_COLUMNS)
    except FileError as err:
        report.errors = err.errors
        return {}, report
    headers = {c.key: table.header(c.key, GRADUATE_COLUMNS) for c in GRADUATE_COLUMNS}
    juniors = dict(adapters.junior_schools().values_list("code", "level"))
    others = set(School.objects.exclude(code__in=juniors).values_list("code", flat=True))
    seen: dict[str, int] = {}
    values: dict[str, int] = {}
    report.rows = len(table.rows)
    for row_no, rec in zip(table.rows, table.dataset.dict, strict=True):
        code = cell_text(rec.get("code"))
        raw = cell_text(rec.get("graduates"))
        if not code:
            report.errors.append(RowError(row_no, headers["code"], _("不能为空")))
        elif code in seen:
            report.errors.append(
                RowError(row_no, headers["code"], _("与第 %(row)d 行重复") % {"row": seen[code]})
            )
        elif code in others:
            report.errors.append(
                RowError(
                    row_no, headers["code"], _("%(code)s 不是初中或九年一贯制学校") % {"code": code}
                )
            )
        elif code not in juniors:
            report.errors.append(
                RowError(row_no, headers["code"], _("未知的学校代码 %(code)s") % {"code": code})
            )
        else:
            seen[code] = row_no
        try:
            number = int(raw)
        except ValueError:
            report.errors.append(
                RowError(row_no, headers["graduates"], _("应为整数，实为「%(v)s」") % {"v": raw})
            )
            continue
        if number < 0:
            report.errors.append(
                RowError(row_no, headers["graduates"], _("不能为负数：%(v)s") % {"v": raw})
            )
            continue
        if code and seen.get(code) == row_no:
            values[code] = number
    return values, report


def do_import_graduates(
    table: QuotaTable, data: bytes, filename: str, *, by: User
) -> GraduatesImport:
    """Graduates from a .csv/.xlsx (junior_id, graduates): every row checked, every error named
    by row and column; saved only when every row is good (all-or-nothing). Juniors the file
    does not name keep their graduates."""
    require_bureau(by)
    if table.status != Status.DRAFT:
        raise _frozen(table)
    values, report = _graduates_from_file(data, filename)
    if report.errors:
        audit(
            by,
            "quotas.import_graduates",
            table,
            file=filename,
            saved=False,
            errors=len(report.errors),
        )
        return report
    with transaction.atomic():
        table = _lock_draft(table)
        pks = dict(School.objects.filter(code__in=values).values_list("code", "pk"))
        existing = {g.school_id: g for g in table.graduates.all()}
        for code, number in values.items():
            row = existing.get(pks[code])
            if row is None:
                JuniorGraduates.objects.create(table=table, school_id=pks[code], graduates=number)
            elif row.graduates != number:
                row.graduates = number
                row.save(update_fields=["graduates"])
            report.updated += 1
        report.unlisted = len(set(existing) - {pks[c] for c in values})
        table.graduates_source = GraduatesSource.IMPORT
        table.save(update_fields=["graduates_source"])
        audit(
            by,
            "quotas.import_graduates",
            table,
            file=filename,
            saved=True,
            rows=report.rows,
            unlisted=report.unlisted,
        )
    return report


def do_publish(
    table: QuotaTable,
    *,
    by: User,
    method: str | None = None,
    notes: str | None = None,
    step: Callable[[str, int], None] | None = None,
) -> QuotaTable:
    """Compute the table with the chosen method, store every pair's seats and each quota,
    record the places that cannot be filled, and freeze the table. `step(stage, pct)` hears
    how far it has got (the publish job's progress bar)."""
    require_bureau(by)
    report = step or (lambda stage, pct: None)
    with transaction.atomic():
        table = _lock_draft(table)
        if method is not None:
            _check_settings(table.share, method, table.min_seats)
            table.method = method
        if notes is not None:
            table.notes = notes
        inputs = adapters.table_inputs(table)
        if not inputs.plans or sum(inputs.plans.values()) == 0:
            raise ActionError(_("请先填写各高中的招生计划数"))
        if not inputs.graduates:
            raise ActionError(_("没有初中毕业生数据"))
        report(gettext_noop("计算各校名额"), 20)
        try:
            result = adapters.compute(table, inputs)
        except InputError as err:
            raise ActionError(str(err)) from err
        report(gettext_noop("保存分配结果"), 70)
        QuotaSeat.objects.bulk_create(
            [
                QuotaSeat(
                    table=table,
                    high_school_id=inputs.high_school_pks[h],
                    school_id=inputs.junior_pks[j],
                    seats=s,
                )
                for h, j, s in result.rows
            ],
            batch_size=2000,
        )
        plans = list(table.plans.select_related("high_school"))
        for p in plans:
            p.quota = result.quotas[p.high_school.code]
        QuotaPlan.objects.bulk_update(plans, ["quota"])
        table.result_sha256 = result.result_sha256
        table.unfilled_places = adapters.unfilled_places(result)
        table.status = Status.PUBLISHED
        table.published_at = timezone.now()
        table.published_by = by
        table.save()
        audit(
            by,
            "quotas.publish",
            table,
            method=table.method,
            share=table.share_text,
            min_seats=table.min_seats,
            result_sha256=result.result_sha256,
            quota_places=sum(result.quotas.values()),
        )
    return table


def do_record_unfilled(
    table: QuotaTable, unfilled: Mapping[int, int | None], *, by: User
) -> QuotaTable:
    """After admission: each high school's quota places not taken (high-school pk → count),
    which return to general admission. Only for a published table; the seats do not change."""
    require_bureau(by)
    with transaction.atomic():
        table = QuotaTable.objects.select_for_update().get(pk=table.pk)
        if table.status != Status.PUBLISHED:
            raise ActionError(_("发布后才能登记录取后未完成的名额"))
        plans = {p.high_school_id: p for p in table.plans.all()}
        for pk, n in unfilled.items():
            if pk not in plans:
                raise ActionError(_("未知的高中"))
            if n is not None and not 0 <= int(n) <= (plans[pk].quota or 0):
                raise ActionError(
                    _("未完成名额须在 0 到分配名额 %(q)s 之间") % {"q": plans[pk].quota or 0}
                )
            plans[pk].unfilled = None if n is None else int(n)
        QuotaPlan.objects.bulk_update(list(plans.values()), ["unfilled"])
        audit(
            by, "quotas.record_unfilled", table, unfilled={str(k): v for k, v in unfilled.items()}
        )
    return table


def do_new_version(table: QuotaTable, *, by: User) -> QuotaTable:
    """A draft copy of a published table (settings, plans, graduates, notes), version + 1."""
    require_bureau(by)
    with transaction.atomic():
        table = QuotaTable.objects.select_for_update().get(pk=table.pk)
        if table.status != Status.PUBLISHED:
            raise ActionError(_("草稿可直接修改，无需新建版本"))
        following = QuotaTable.objects.filter(supersedes=table).first()
        if following is not None:
            raise ActionError(_("已有取代它的版本：%(t)s") % {"t": _label(following)})
        version = (
            QuotaTable.objects.filter(year=table.year).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        new = QuotaTable.objects.create(
            year=table.year,
            version=version,
            share=table.share,
            method=table.method,
            min_seats=table.min_seats,
            graduates_source=table.graduates_source,
            notes=table.notes,
            supersedes=table,
            created_by=by,
        )
        QuotaPlan.objects.bulk_create(
            [
                QuotaPlan(table=new, high_school_id=p.high_school_id, plan=p.plan)
                for p in table.plans.all()
            ]
        )
        JuniorGraduates.objects.bulk_create(
            [
                JuniorGraduates(table=new, school_id=g.school_id, graduates=g.graduates)
                for g in table.graduates.all()
            ]
        )
        audit(by, "quotas.new_version", new, year=new.year, version=version, supersedes=table.pk)
    return new


def do_delete_draft(table: QuotaTable, *, by: User) -> None:
    require_bureau(by)
    with transaction.atomic():
        table = _lock_draft(table)
        audit(by, "quotas.delete_draft", table, year=table.year, version=table.version)
        table.delete()


# --- exports --------------------------------------------------------------------------------


def _notes_rows(table: QuotaTable) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [
        (_("项目"), "", _("内容")),
        (_("年度"), "", table.year),
        (_("版本"), "", table.version),
        (_("分配比例"), "", table.share_text),
        (_("分配方法"), "", table.get_method_display()),
        (_("每校保底名额"), "", table.min_seats),
        (_("毕业生数来源"), "", table.get_graduates_source_display()),
        (_("结果 SHA-256"), "", table.result_sha256),
        (
            _("无法完成的名额"),
            "",
            table.unfilled_places if table.unfilled_places is not None else "",
        ),
        (_("发布说明"), "", table.notes),
    ]
    if table.published_at:
        rows.append((_("发布时间"), "", timezone.localtime(table.published_at)))
    return rows


def do_export_table_xlsx(*, by: User, table_id: int) -> Export:
    """The whole published table: a row per junior school, a column per high school, and a
    说明 sheet; served or written by a job through `junheng.exports.serve`; audited."""
    from junheng.quotas.access import access_table

    require_bureau(by)
    table = access_table(by, table_id)
    if table.status != Status.PUBLISHED:
        raise ActionError(_("发布后才能导出"))
    plans = list(table.plans.select_related("high_school").order_by("high_school__code"))
    n_juniors = table.graduates.count()
    headers = [_("初中学校代码"), _("初中学校名称"), _("毕业生数")]
    headers += [f"{p.high_school.name} ({p.high_school.code})" for p in plans]
    headers.append(_("合计"))

    def rows() -> Iterator[list[Any]]:
        grads = table.graduates.select_related("school").order_by("school__code")
        seats: dict[tuple[int, int], int] = {
            (h, s): n
            for h, s, n in QuotaSeat.objects.filter(table=table).values_list(
                "high_school_id", "school_id", "seats"
            )
        }
        total = 0
        for g in grads.iterator(chunk_size=2000):
            line = [seats.get((p.high_school_id, g.school_id), 0) for p in plans]
            total += g.graduates
            yield [g.school.code, g.school.name, g.graduates, *line, sum(line)]
        quotas = [p.quota or 0 for p in plans]
        yield [_("分配名额"), "", total, *quotas, sum(quotas)]
        yield [_("招生计划"), "", "", *(p.plan for p in plans), sum(p.plan for p in plans)]

    return Export(
        f"quotas-{table.year}-v{table.version}.xlsx",
        [Sheet(_("指标到校"), header=headers, rows=rows()), notes_sheet(_notes_rows(table))],
        rows=n_juniors + 2,
        audit="quotas.export_table",
        target=table,
        details={
            "year": table.year,
            "version": table.version,
            "juniors": n_juniors,
            "high_schools": len(plans),
        },
    )


def do_export_school_xlsx(*, by: User, table_id: int, school_id: int) -> Export:
    """One junior school's row of a published table (seats per high school); audited."""
    from junheng.accounts.scoping import access_school
    from junheng.quotas.access import access_published_table

    require_actor(by, Role.BUREAU, Role.SCHOOL, school_id=school_id)
    table = access_published_table(by, table_id)
    school = access_school(by, school_id)
    seats = list(
        QuotaSeat.objects.filter(table=table, school=school)
        .order_by("high_school__code")
        .values_list("high_school__code", "high_school__name", "seats")
    )
    rows: list[list[object]] = [[hs_code, hs_name, n] for hs_code, hs_name, n in seats]
    grads = table.graduates.filter(school=school).values_list("graduates", flat=True).first()
    rows.append([_("合计"), "", sum(n for _code, _name, n in seats)])
    notes = _notes_rows(table)
    notes.insert(1, (_("初中学校"), "", f"{school.name} ({school.code})"))
    notes.insert(2, (_("毕业生数"), "", grads if grads is not None else ""))
    return Export(
        f"quotas-{table.year}-v{table.version}-{school.code}.xlsx",
        [
            Sheet(_("指标到校"), header=[_("高中代码"), _("高中名称"), _("分配名额")], rows=rows),
            notes_sheet(notes),
        ],
        rows=len(rows),
        audit="quotas.export_school",
        target=table,
        details={"school": school.code, "year": table.year, "version": table.version},
    )
