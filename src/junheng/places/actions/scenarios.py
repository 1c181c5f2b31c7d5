"""Planning scenarios (规划情景): housing developments, school mergers, new schools.

The bureau edits a scenario item by item. Each change is checked twice: here, with a message in
the user's words for the usual mistakes, and by the forecast engine itself on the stored data
(the single judge of what it can project), inside the same transaction — a change the engine
refuses is rolled back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from junheng.accounts.models import User, audit
from junheng.accounts.scoping import require_bureau
from junheng.errors import ActionError
from junheng.places import adapters
from junheng.places.adapters import GRADES_OF_LEVEL
from junheng.places.models import Housing, Merger, Opening, Scenario
from junheng.region.models import School

YEAR_RANGE = (2000, 2100)


def _check_year(year: int) -> None:
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise ActionError(
            _("学年须在 %(lo)s 到 %(hi)s 之间") % {"lo": YEAR_RANGE[0], "hi": YEAR_RANGE[1]}
        )


def _engine_check(scenario: Scenario) -> None:
    from junheng.engines.io import InputError

    try:
        adapters.check_scenario(scenario)
    except InputError as err:
        raise ActionError(
            _("预测引擎不接受这项调整：%(why)s")
            % {"why": adapters.explain(err, adapters.scenario_inputs(scenario))}
        ) from err


def do_create_scenario(*, by: User, name: str, description: str = "") -> Scenario:
    require_bureau(by)
    name = name.strip()
    if not name:
        raise ActionError(_("情景名称不能为空"))
    try:
        with transaction.atomic():
            scenario = Scenario.objects.create(name=name, description=description, created_by=by)
            audit(by, "places.create_scenario", scenario, name=name)
    except IntegrityError as err:
        raise ActionError(_("已有同名情景：%(name)s") % {"name": name}) from err
    return scenario


def do_update_scenario(scenario: Scenario, *, by: User, name: str, description: str) -> Scenario:
    require_bureau(by)
    name = name.strip()
    if not name:
        raise ActionError(_("情景名称不能为空"))
    if Scenario.objects.filter(name=name).exclude(pk=scenario.pk).exists():
        raise ActionError(_("已有同名情景：%(name)s") % {"name": name})
    with transaction.atomic():
        scenario.name, scenario.description = name, description
        scenario.save(update_fields=["name", "description", "updated_at"])
        audit(by, "places.update_scenario", scenario, name=name)
    return scenario


def do_delete_scenario(scenario: Scenario, *, by: User) -> None:
    """Delete a scenario; runs made with it keep their copy of it (scenario_inputs)."""
    require_bureau(by)
    with transaction.atomic():
        audit(by, "places.delete_scenario", scenario, name=scenario.name)
        scenario.delete()


def do_add_housing(
    scenario: Scenario,
    *,
    by: User,
    name: str,
    school: School,
    year: int,
    students: int,
    grade: int | None = None,
) -> Housing:
    """A development bringing `students` children of school age into `school`'s zone from
    `year` on (spread over the school's grades, or all in `grade`)."""
    require_bureau(by)
    _check_year(year)
    if not name.strip():
        raise ActionError(_("项目名称不能为空"))
    if not 1 <= students <= 100_000:
        raise ActionError(_("新增学龄儿童须在 1 到 100000 之间"))
    if grade is not None and grade not in GRADES_OF_LEVEL.get(school.level, ()):
        raise ActionError(
            _("%(school)s 没有 %(grade)s 年级") % {"school": school.name, "grade": grade}
        )
    with transaction.atomic():
        item = Housing.objects.create(
            scenario=scenario,
            name=name.strip(),
            school=school,
            year=year,
            students=students,
            grade=grade,
        )
        _engine_check(scenario)
        audit(by, "places.add_housing", scenario, school=school.code, year=year, students=students)
    return item


def do_add_merger(
    scenario: Scenario, *, by: User, school: School, into: School, year: int
) -> Merger:
    """`school` merged into `into` from `year` on (撤并): its students move grade by grade."""
    require_bureau(by)
    _check_year(year)
    if school.pk == into.pk:
        raise ActionError(_("学校不能并入自身"))
    merged = set(scenario.mergers.values_list("school_id", flat=True))
    receiving = set(scenario.mergers.values_list("into_id", flat=True))
    if school.pk in merged:
        raise ActionError(_("%(school)s 在本情景中已被撤并") % {"school": school.name})
    if into.pk in merged:
        raise ActionError(
            _("%(into)s 在本情景中也被撤并：请直接并入最终的学校") % {"into": into.name}
        )
    if school.pk in receiving:
        raise ActionError(
            _("已有学校并入 %(school)s：请先把它们直接并入最终的学校") % {"school": school.name}
        )
    missing = set(GRADES_OF_LEVEL.get(school.level, ())) - set(GRADES_OF_LEVEL.get(into.level, ()))
    if missing:
        raise ActionError(
            _("%(into)s 没有 %(school)s 的 %(grades)s 年级")
            % {
                "into": into.name,
                "school": school.name,
                "grades": "、".join(str(g) for g in sorted(missing)),
            }
        )
    with transaction.atomic():
        item = Merger.objects.create(scenario=scenario, school=school, into=into, year=year)
        _engine_check(scenario)
        audit(by, "places.add_merger", scenario, school=school.code, into=into.code, year=year)
    return item


def do_add_opening(
    scenario: Scenario,
    *,
    by: User,
    code: str,
    name: str,
    from_school: School,
    year: int,
    share: Decimal,
    classrooms: int,
    max_class: int | None = None,
) -> Opening:
    """A new school opening in `year` whose zone takes `share` of `from_school`'s students."""
    require_bureau(by)
    _check_year(year)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ActionError(_("新校代码和名称不能为空"))
    if School.objects.filter(code=code).exists():
        raise ActionError(_("学校代码 %(code)s 已被现有学校使用") % {"code": code})
    if scenario.openings.filter(code=code).exists():
        raise ActionError(_("本情景中已有代码为 %(code)s 的新校") % {"code": code})
    if not Decimal(0) < share <= Decimal(1):
        raise ActionError(_("划出比例须大于 0 且不超过 1"))
    taken = sum(o.share for o in scenario.openings.filter(from_school=from_school))
    if taken + share > Decimal(1):
        raise ActionError(
            _("从 %(school)s 划出的比例合计将超过 1（已划出 %(taken)s）")
            % {"school": from_school.name, "taken": taken}
        )
    if classrooms < 1:
        raise ActionError(_("普通教室至少 1 间"))
    limit = adapters.class_limit(from_school.level) if max_class is None else max_class
    if not 1 <= limit <= 80:
        raise ActionError(_("班额上限须在 1 到 80 之间"))
    with transaction.atomic():
        item = Opening.objects.create(
            scenario=scenario,
            code=code,
            name=name,
            from_school=from_school,
            year=year,
            share=share,
            classrooms=classrooms,
            max_class=limit,
        )
        _engine_check(scenario)
        audit(
            by, "places.add_opening", scenario, code=code, from_school=from_school.code, year=year
        )
    return item


def do_remove_item(item: Housing | Merger | Opening, *, by: User) -> None:
    require_bureau(by)
    kind: dict[type[Any], str] = {Housing: "housing", Merger: "merger", Opening: "opening"}
    with transaction.atomic():
        audit(by, "places.remove_item", item.scenario, kind=kind[type(item)], item=item.pk)
        item.delete()
