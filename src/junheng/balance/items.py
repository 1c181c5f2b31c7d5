"""The 15 government-guarantee items (政府保障程度 15 项) and how each is known.

From the national 2017 evaluation method (县域义务教育优质均衡发展督导评估办法). Every item must
hold. junheng computes an item from its own data where it has the data (`compute_item`): class
sizes and school sizes from the region core now; the teacher-rotation and high-school-quota
items are entered until the rotation and quota apps register a computer for them with
`register(code)`. The rest are entered by the bureau.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from junheng.region.models import Level, School, SchoolClass, Student


@dataclass(frozen=True)
class ItemSpec:
    code: str
    title_zh: str
    title_en: str
    rule: str  # the requirement, in Chinese (as the evaluation method states it)
    minimum: float | None = None  # an entered value passes when ≥ this (percent items)
    unit: str = ""


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "G01",
        "学校规划布局合理",
        "School network planned to national requirements",
        "县域内义务教育学校规划布局合理，符合国家规定要求",
    ),
    ItemSpec(
        "G02",
        "城乡统一办学标准",
        "One school standard for town and country",
        "县级政府制定城乡统一的义务教育学校办学标准，所有学校达到要求",
    ),
    ItemSpec(
        "G03",
        "音乐美术专用教室",
        "Music and art rooms",
        "每12个班级配备音乐、美术专用教室1间以上（音乐≥96 m²，美术≥90 m²）",
    ),
    ItemSpec(
        "G04",
        "学校规模",
        "School size",
        "小学、初中规模不超过2000人，九年一贯制学校不超过2500人",
        unit="schools",
    ),
    ItemSpec(
        "G05", "班额", "Class size", "小学、初中所有班级学生数分别不超过45人、50人", unit="classes"
    ),
    ItemSpec(
        "G06",
        "小规模学校公用经费",
        "Funding of small schools",
        "不足100名学生的村小学和教学点按100名学生核定公用经费",
    ),
    ItemSpec(
        "G07",
        "特殊教育生均公用经费",
        "Special education funding",
        "特殊教育学校生均公用经费不低于6000元",
        minimum=6000,
        unit="yuan",
    ),
    ItemSpec(
        "G08",
        "教师工资收入",
        "Teacher pay",
        "教师平均工资收入水平不低于当地公务员平均工资收入水平",
        minimum=100,
        unit="%",
    ),
    ItemSpec(
        "G09",
        "教师培训",
        "Teacher training",
        "教师5年360学时培训完成率达到100%",
        minimum=100,
        unit="%",
    ),
    ItemSpec(
        "G10",
        "编制岗位统筹",
        "Posts allocated by the county",
        "县级教育行政部门统筹分配各校教职工编制和岗位数量",
    ),
    ItemSpec(
        "G11",
        "教师交流轮岗",
        "Teacher rotation",
        "每年交流轮岗教师不低于符合条件教师总数的10%，其中骨干教师不低于20%",
        minimum=10,
        unit="%",
    ),
    ItemSpec(
        "G12",
        "教师持证上岗",
        "Certified teachers",
        "专任教师持有教师资格证上岗率达到100%",
        minimum=100,
        unit="%",
    ),
    ItemSpec(
        "G13",
        "就近划片入学",
        "Nearby enrolment",
        "城区和镇区公办小学、初中就近划片入学比例分别达到100%、95%",
    ),
    ItemSpec(
        "G14",
        "优质高中指标到校",
        "High-school quota places to junior schools",
        "优质高中招生名额分配比例不低于50%，并向农村初中倾斜",
        minimum=50,
        unit="%",
    ),
    ItemSpec(
        "G15",
        "随迁子女就读公办学校",
        "Migrant children in public schools",
        "符合条件的随迁子女在公办学校和政府购买服务的民办学校就读比例不低于85%",
        minimum=85,
        unit="%",
    ),
)
SPECS = {s.code: s for s in ITEMS}

SCHOOL_SIZE_MAX: dict[str, int] = {Level.PRIMARY: 2000, Level.JUNIOR: 2000, Level.NINE_YEAR: 2500}
CLASS_SIZE_MAX = {Level.PRIMARY: 45, Level.JUNIOR: 50}


@dataclass(frozen=True)
class ItemValue:
    """What a computer found: the figure, whether it holds, and a note in plain words."""

    value: float | None
    passes: bool | None
    note: str = ""


Computer = Callable[[int], ItemValue]
_COMPUTERS: dict[str, Computer] = {}


def register(code: str) -> Callable[[Computer], Computer]:
    """Let an app compute an item from its data: `@register("G11") def f(year) -> ItemValue`."""
    if code not in SPECS:
        raise KeyError(code)

    def deco(fn: Computer) -> Computer:
        _COMPUTERS[code] = fn
        return fn

    return deco


def computable(code: str) -> bool:
    return code in _COMPUTERS


def compute_item(code: str, year: int) -> ItemValue | None:
    """The item computed from junheng's data, or None where it must be entered."""
    fn = _COMPUTERS.get(code)
    return fn(year) if fn is not None else None


def judge(code: str, value: float | None, passes: bool | None) -> bool | None:
    """An entered item's pass flag: from the value when the rule is one minimum, else as entered."""
    spec = SPECS[code]
    if spec.minimum is not None and value is not None and code != "G11":
        return value >= spec.minimum
    return passes


@register("G04")
def school_size(year: int) -> ItemValue:
    """Schools over 2,000 students (2,500 for nine-year schools): the count of such schools."""
    over = []
    sizes = School.objects.annotate(n=Count("students")).values_list("name", "level", "n")
    for name, level, n in sizes:
        if n > SCHOOL_SIZE_MAX.get(level, 2000):
            over.append(f"{name} {n}")
    note = str(_("超规模学校：")) + "、".join(over[:20]) if over else str(_("所有学校均未超规模"))
    return ItemValue(float(len(over)), not over, note)


@register("G05")
def class_size(year: int) -> ItemValue:
    """Classes over 45 (grades 1-6) or 50 (grades 7-9) students: the count of such classes."""
    big = (
        SchoolClass.objects.annotate(n=Count("students"))
        .filter(
            Q(grade__lte=6, n__gt=CLASS_SIZE_MAX[Level.PRIMARY])
            | Q(grade__gt=6, n__gt=CLASS_SIZE_MAX[Level.JUNIOR])
        )
        .order_by("-n")
    )
    count = big.count()
    classes = SchoolClass.objects.count()
    if not classes:
        unplaced = Student.objects.exists()
        note = str(_("尚无班级数据")) if unplaced else ""
        return ItemValue(None, None, note)
    worst = big.values_list("school__name", "grade", "number", "n")[:10]
    if count:
        listed = "、".join(f"{s} {g}({c})班 {n}人" for s, g, c, n in worst)
        note = str(_("大班额：")) + listed
    else:
        note = str(_("全部 %(n)s 个班级均未超班额")) % {"n": classes}
    return ItemValue(float(count), count == 0, note)


@register("G14")
def high_school_quota_share(year: int) -> ItemValue:
    """The share of quality high schools' places allocated to junior schools (published table)."""
    from junheng.quotas.queries import quota_share

    share = quota_share(year)
    if share is None:
        return ItemValue(None, None, str(_("本年度尚未发布指标到校分配表")))
    return ItemValue(round(100 * share, 1), share >= 0.5, str(_("据本年度最新发布的分配表")))


@register("G11")
def teacher_rotation_share(year: int) -> ItemValue:
    """Movers as a share of eligible teachers in the year's published rotation plan, and the
    backbone share of movers (the item needs ≥ 10% and ≥ 20%)."""
    from junheng.rotation.models import RotationRound, RoundStatus

    rnd = (
        RotationRound.objects.filter(year=year, status=RoundStatus.PUBLISHED)
        .select_related("published_run")
        .first()
    )
    run = rnd.published_run if rnd is not None else None
    if run is None or not run.summary:
        return ItemValue(None, None, str(_("本年度尚未发布交流轮岗方案")))
    moved_share = float(run.summary.get("moved_share") or 0.0)
    backbone_share = float(run.summary.get("backbone_share") or 0.0)
    passes = moved_share >= 0.10 and backbone_share >= 0.20
    note = str(_("据本年度已发布的交流轮岗方案；骨干教师占交流人数 %(b).1f%%")) % {
        "b": 100 * backbone_share
    }
    return ItemValue(round(100 * moved_share, 1), passes, note)
