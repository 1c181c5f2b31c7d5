"""Spreadsheet rows <-> region rows, through django-import-export Resources (学校/教师/学生导入).

One Resource per kind (schools, teachers, students). Each kind's columns are listed once
(`Column`): the canonical key (also the model attribute), the Chinese label, whether the
column must be present, an example value for the template, and the allowed values. A header
may be written as the key (`code`), the Chinese label (`学校代码`), both (`学校代码 (code)`,
what templates and exports use) or a listed alias (`school_id`, as the engines' files say).

Widgets turn cells into values and raise `ValueError` with a message for the user; the
Resource turns those into per-row, per-column errors. Every lookup is scoped to what the
importing user may change (`ImportScope`): a school admin's rows may name only its own school,
and a code that already belongs to another school is an error, never a silent move.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.db.models.fields.mixins import FieldCacheMixin
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from junheng.accounts import scoping
from junheng.accounts.models import Role, User
from junheng.region.models import (
    SUBJECTS,
    BackboneLevel,
    County,
    Gender,
    Level,
    Qualification,
    School,
    SchoolClass,
    Student,
    Teacher,
    UrbanRural,
)

Choices = Sequence[tuple[str, Any]]


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # canonical header; the Resource field's name in the dataset
    label: str  # Chinese header (fixed, so files read the same in every UI language)
    required: bool = False  # the column must be present in the file
    example: Any = ""
    aliases: tuple[str, ...] = ()
    attribute: str = ""  # model attribute when it differs from key
    note: str = ""  # shown in the template's notes sheet

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"

    @property
    def attr(self) -> str:
        return self.attribute or self.key


def norm_header(text: Any) -> str:
    s = "" if text is None else str(text)
    s = s.replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", s).lower()


def match_header(text: Any, columns: Sequence[Column]) -> Column | None:
    """The column a header cell names, or None (an unknown column is ignored)."""
    names: dict[str, Column] = {}
    for col in columns:
        for name in (col.key, col.label, col.header, *col.aliases):
            names[norm_header(name)] = col
    n = norm_header(text)
    if not n:
        return None
    if n in names:
        return names[n]
    # "标签 (key)" written with other spacing, or a label that carries its own unit.
    m = re.fullmatch(r"(.*)\(([^()]*)\)", n)
    if m:
        if m.group(2) in names:
            return names[m.group(2)]
        if m.group(2) in ALL_KEYS:
            return None  # another kind's column ("学校代码 (school)" in a schools file)
        return names.get(m.group(1))  # a label with its own unit: "横坐标 (km)"
    return None


def _choice_note(choices: Choices) -> str:
    with translation.override("zh-hans"):
        return " / ".join(f"{v} = {label}" for v, label in choices)


BOOL_NOTE = "是/否 (1/0)"

SCHOOL_COLUMNS: list[Column] = [
    Column("code", "学校代码", True, "330424901", ("school_id", "school_code")),
    Column("name", "学校名称", True, "示例镇中心小学"),
    Column("county", "县区代码", False, "", note="空白 = 系统中唯一的县区"),
    Column("level", "学段", True, "primary", note=_choice_note(Level.choices)),
    Column("urban_rural", "城乡类别", True, "rural", note=_choice_note(UrbanRural.choices)),
    Column("x_km", "横坐标km", False, 12.5, ("横坐标",)),
    Column("y_km", "纵坐标km", False, 8.0, ("纵坐标",)),
    Column("teaching_room_m2", "教学及辅助用房面积m2", False, 4200, ("教学及辅助用房面积",)),
    Column("sports_field_m2", "体育运动场馆面积m2", False, 6000, ("体育运动场馆面积",)),
    Column("equipment_yuan", "教学仪器设备值元", False, 900000, ("教学仪器设备值",)),
    Column("multimedia_classrooms", "网络多媒体教室间", False, 12, ("网络多媒体教室",)),
    Column("after_school_slots", "每周校外课程节数", False, 10),
    Column("teaching_point", "教学点", False, "否", note=BOOL_NOTE),
]

TEACHER_COLUMNS: list[Column] = [
    Column("code", "教师编号", True, "T900001", ("teacher_id",)),
    Column("name", "姓名", True, "王老师"),
    Column("school", "学校代码", True, "", ("school_id", "school_code")),
    Column("subject", "任教学科", True, "math", note=_choice_note(SUBJECTS)),
    Column(
        "section",
        "任教学段",
        False,
        "primary",
        note="primary / junior；空白 = 按学校学段",
    ),
    Column("qualification", "学历", True, "bachelor", note=_choice_note(Qualification.choices)),
    Column(
        "backbone_level",
        "骨干等级",
        False,
        "none",
        ("backbone",),
        note=_choice_note(BackboneLevel.choices),
    ),
    Column("years_at_school", "在校年限", False, 5),
    Column("age", "年龄", True, 35),
    Column("gender", "性别", True, "F", note=_choice_note(Gender.choices)),
]

STUDENT_COLUMNS: list[Column] = [
    Column("code", "学生编码", True, "P9000001", ("student_id",)),
    Column("name", "姓名", True, "张小明"),
    Column("gender", "性别", True, "M", note=_choice_note(Gender.choices)),
    Column("birth_date", "出生日期", False, "2017-05-01", note="YYYY-MM-DD"),
    Column("school", "学校代码", True, "", ("school_id", "school_code")),
    Column("grade", "年级", True, 1, note="1–9"),
    Column(
        "class", "班号", False, 1, ("class_no",), attribute="school_class", note="空白 = 未分班"
    ),
    Column("migrant", "随迁子女", False, "否", note=BOOL_NOTE),
    Column("left_behind", "留守儿童", False, "否", note=BOOL_NOTE),
    Column("low_income", "低收入家庭", False, "否", note=BOOL_NOTE),
    Column("support_needs", "特殊需要", False, "否", note=BOOL_NOTE),
    Column("score", "入学成绩", False, ""),
]

COLUMNS: dict[str, list[Column]] = {
    "schools": SCHOOL_COLUMNS,
    "teachers": TEACHER_COLUMNS,
    "students": STUDENT_COLUMNS,
}
ALL_KEYS = frozenset(c.key for cols in COLUMNS.values() for c in cols)


# --- cells ---------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text: 1001.0 typed into Excel reads as "1001", not "1001.0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _shown(value: Any) -> str:
    s = cell_text(value)
    return s if len(s) <= 40 else s[:40] + "…"


class TextWidget(widgets.Widget):
    def __init__(self, max_length: int, required: bool = True) -> None:
        super().__init__()
        self.max_length = max_length
        self.required = required

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        s = cell_text(value)
        if not s and self.required:
            raise ValueError(_("必填，不能为空"))
        if len(s) > self.max_length:
            raise ValueError(_("过长（最多 %(n)d 个字符）") % {"n": self.max_length})
        return s


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value or its label in Chinese or English (城区 = urban = Urban)."""

    def __init__(self, choices: Choices, required: bool = True, default: str | None = None):
        super().__init__()
        self.choices = list(choices)
        self.required = required
        self.default = default
        self._lookup: dict[str, str] | None = None

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            table: dict[str, str] = {}
            for lang in ("en", "zh-hans"):
                with translation.override(lang):
                    for value, label in self.choices:
                        table[norm_header(label)] = value
            for value, _label in self.choices:
                table[norm_header(value)] = value
            self._lookup = table
        return self._lookup

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        s = cell_text(value)
        if not s:
            if self.required:
                raise ValueError(_("必填，不能为空"))
            return self.default
        found = self.lookup().get(norm_header(s))
        if found is None:
            allowed = "、".join(f"{v}（{label}）" for v, label in self.choices)
            raise ValueError(
                _("「%(value)s」不是可选值；可选：%(allowed)s")
                % {"value": _shown(s), "allowed": allowed}
            )
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        for v, label in self.choices:
            if v == value:
                return str(label)
        return cell_text(value)


class IntWidget(widgets.Widget):
    def __init__(
        self,
        low: int = 0,
        high: int | None = None,
        required: bool = False,
        default: int | None = None,
    ) -> None:
        super().__init__()
        self.low, self.high, self.required, self.default = low, high, required, default

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        s = cell_text(value)
        if not s:
            if self.required:
                raise ValueError(_("必填，不能为空"))
            return self.default
        try:
            number = float(s)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not number.is_integer():
            raise ValueError(_("应为整数，实际为「%(value)s」") % {"value": _shown(s)})
        n = int(number)
        if n < self.low or (self.high is not None and n > self.high):
            raise ValueError(
                _("应在 %(low)d 到 %(high)s 之间，实际为 %(n)d")
                % {"low": self.low, "high": self.high if self.high is not None else "∞", "n": n}
            )
        return n

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else value


class NumberWidget(widgets.Widget):
    def __init__(self, minimum: float | None = 0.0, default: float | None = 0.0) -> None:
        super().__init__()
        self.minimum, self.default = minimum, default

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> float | None:
        s = cell_text(value)
        if not s:
            return self.default
        try:
            number = float(s.replace(",", ""))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(_("应为数字，实际为「%(value)s」") % {"value": _shown(s)})
        if self.minimum is not None and number < self.minimum:
            raise ValueError(_("不能小于 %(min)s") % {"min": cell_text(self.minimum)})
        return number

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else value


TRUE_WORDS = {"是", "1", "true", "yes", "y", "t", "√", "✓", "有"}
FALSE_WORDS = {"否", "0", "false", "no", "n", "f", "×", "✗", "无", "-"}


class BoolWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        s = cell_text(value).lower()
        if not s or s in FALSE_WORDS:
            return False
        if s in TRUE_WORDS:
            return True
        raise ValueError(_("应为「是」或「否」，实际为「%(value)s」") % {"value": _shown(value)})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return _("是") if value else _("否")


class DateWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        s = cell_text(value)
        if not s:
            return None
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s) or re.fullmatch(
            r"(\d{4})(\d{2})(\d{2})", s
        )
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        raise ValueError(_("应为日期（如 2017-05-01），实际为「%(value)s」") % {"value": _shown(s)})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


class SchoolWidget(widgets.Widget):
    """A school by its code, among the schools the importing user may write to."""

    def __init__(self, scope: ImportScope) -> None:
        super().__init__()
        self.scope = scope

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> School:
        code = cell_text(value)
        if not code:
            raise ValueError(_("必填，不能为空"))
        school = self.scope.schools.get(code)
        if school is not None:
            return school
        if code in self.scope.other_school_codes:
            raise ValueError(_("学校 %(code)s 不在您的管理范围内") % {"code": _shown(code)})
        raise ValueError(_("未知的学校代码「%(code)s」") % {"code": _shown(code)})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.code if value is not None else ""


class CountyWidget(widgets.Widget):
    def __init__(self, scope: ImportScope) -> None:
        super().__init__()
        self.scope = scope

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> County:
        code = cell_text(value)
        if not code:
            if len(self.scope.counties) == 1:
                return next(iter(self.scope.counties.values()))
            if not self.scope.counties:
                raise ValueError(_("系统中还没有县区，请先在管理后台添加县区"))
            raise ValueError(_("系统中有多个县区，请填写县区代码"))
        county = self.scope.counties.get(code)
        if county is None:
            raise ValueError(_("未知的县区代码「%(code)s」") % {"code": _shown(code)})
        return county

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.code if value is not None else ""


# --- scope ---------------------------------------------------------------------------------


@dataclass
class ImportScope:
    """What one user's import may touch, loaded once per import (not once per row)."""

    user: User
    schools: dict[str, School]  # code -> school this user may write rows for
    other_school_codes: set[str]  # existing schools outside the user's scope
    counties: dict[str, County]
    _classes: dict[tuple[int, int, int], SchoolClass] = field(default_factory=dict)
    _loaded_classes: bool = False
    # Classes the file names that do not exist yet: created by the write, not by the check.
    new_classes: list[SchoolClass] = field(default_factory=list)

    @classmethod
    def for_user(cls, user: User) -> ImportScope:
        scoping.require_role(user, Role.BUREAU, Role.SCHOOL)
        mine = {s.code: s for s in scoping.schools_for(user)}
        others = set(School.objects.exclude(code__in=mine).values_list("code", flat=True))
        counties = {c.code: c for c in County.objects.all()} if user.role == Role.BUREAU else {}
        return cls(user=user, schools=mine, other_school_codes=others, counties=counties)

    def school_class(self, school: School, grade: int, number: int) -> SchoolClass:
        """The class, existing or (unsaved, until the write) new."""
        if not self._loaded_classes:  # first use: load the classes of the schools in scope
            self._loaded_classes = True
            for c in SchoolClass.objects.filter(school__in=list(self.schools.values())):
                self._classes[(c.school_id, c.grade, c.number)] = c
        key = (school.pk, grade, number)
        if key not in self._classes:
            self._classes[key] = SchoolClass(school=school, grade=grade, number=number)
            self.new_classes.append(self._classes[key])
        return self._classes[key]


# --- resources -----------------------------------------------------------------------------


PROGRESS_EVERY = 1000


def _chunks(items: Sequence[str], size: int = 5000) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class CodeInstanceLoader(BaseInstanceLoader):
    """Loads every existing row named by the file's codes in a few queries, within scope."""

    def __init__(self, resource: RegionResource, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        codes = sorted({cell_text(v) for v in dataset["code"]}) if dataset is not None else []
        self.by_code: dict[str, Model] = {}
        qs = resource.get_queryset()
        for chunk in _chunks(codes):
            self.by_code.update({o.code: o for o in qs.filter(code__in=chunk)})

    def get_instance(self, row: dict[str, Any]) -> Model | None:
        return self.by_code.get(cell_text(row.get("code")))


class RegionResource(resources.ModelResource):
    """Shared row handling: codes are the keys; duplicates and foreign codes are row errors.

    Checking and writing are two steps. `import_data(dataset, use_transactions=False,
    row_numbers=…)` checks every row and writes nothing: the library's bulk hooks only collect
    the rows to create and update (`to_create`, `to_update`, and the scope's `new_classes`).
    `region.batches.write_batch` then saves them, only if every row was good, in short
    transactions with an undo journal: a write lock is never held while a file is checked,
    nor for longer than one chunk of rows.
    """

    # Set by import-export's metaclass: its ResourceOptions declares `model = None`, so it is
    # typed by hand here (the model of Meta).
    _meta: Any
    kind: ClassVar[str]
    columns: ClassVar[list[Column]]
    fk_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, scope: ImportScope) -> None:
        self.scope = scope
        super().__init__()
        self.row_problems: dict[int, dict[str, str]] = {}
        self._before: dict[str, Any] | None = None
        self.to_create: list[Model] = []
        self.to_update: list[Model] = []
        # Called as progress(rows checked, rows in the file) every PROGRESS_EVERY rows.
        self.progress: Callable[[int, int], None] | None = None
        self._total = 0

    def get_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Flag rows whose code repeats an earlier row or belongs outside the user's scope."""
        self._total = len(dataset)
        codes = [cell_text(v) for v in dataset["code"]]
        first: dict[str, int] = {}
        for i, code in enumerate(codes, 1):
            if code and code in first:
                self.row_problems[i] = {
                    "code": _("编码「%(code)s」在文件中重复（与第 %(row)s 行相同）")
                    % {"code": _shown(code), "row": kwargs["row_numbers"][first[code] - 1]}
                }
            elif code:
                first[code] = i
        mine: set[str] = set()
        existing: set[str] = set()
        unique = sorted(first)
        model = self._meta.model
        for chunk in _chunks(unique):
            mine.update(self.get_queryset().filter(code__in=chunk).values_list("code", flat=True))
            existing.update(model.objects.filter(code__in=chunk).values_list("code", flat=True))
        for code in existing - mine:
            self.row_problems.setdefault(first[code], {})["code"] = _(
                "编码「%(code)s」已属于其他学校，不能在此导入"
            ) % {"code": _shown(code)}

    @staticmethod
    def _values(instance: Model) -> dict[str, Any]:
        values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
        for f in instance._meta.concrete_fields:  # a class created by this file is a change
            if isinstance(f, FieldCacheMixin) and f.is_cached(instance):
                related = f.get_cached_value(instance)
                if related is not None and related.pk is None:
                    values[f.attname] = ("new", id(related))
        return values

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        # What an existing row held before this file: enough to tell an unchanged row, at a
        # fraction of the cost of the library's deep copy and rendered diff of every row.
        self._before = None if new else self._values(instance)

    def skip_row(
        self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None
    ) -> bool:
        if import_validation_errors or self._before is None:
            return False
        return self._values(instance) == self._before

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        number = kwargs["row_number"]
        if self.progress is not None and number % PROGRESS_EVERY == 0:
            self.progress(number, self._total)
        problems = self.row_problems.get(number)
        if problems:
            raise ValidationError(problems)

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self.complete(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def complete(self, instance: Any, row: Any, errors: dict[str, Any]) -> None:
        """Cross-column rules and derived values (subclasses)."""

    # The library's bulk hooks, called during the check: collect, never write.
    def bulk_create(self, *args: Any, **kwargs: Any) -> None:
        self.to_create.extend(self.create_instances)
        self.create_instances.clear()

    def bulk_update(self, *args: Any, **kwargs: Any) -> None:
        self.to_update.extend(self.update_instances)
        self.update_instances.clear()

    def bulk_delete(self, *args: Any, **kwargs: Any) -> None:
        self.delete_instances.clear()  # imports never delete

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        # Codes are unique by the loader and the duplicate check; foreign keys come from the
        # scoped caches: skip the per-row queries full_clean would make for both.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, *self.fk_fields], validate_unique=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class SchoolResource(RegionResource):
    kind = "schools"
    columns = SCHOOL_COLUMNS
    fk_fields = ("county",)

    def __init__(self, scope: ImportScope) -> None:
        super().__init__(scope)
        w: dict[str, widgets.Widget] = {
            "code": TextWidget(30),
            "name": TextWidget(200),
            "county": CountyWidget(scope),
            "level": ChoiceWidget(Level.choices),
            "urban_rural": ChoiceWidget(UrbanRural.choices),
            "x_km": NumberWidget(None),
            "y_km": NumberWidget(None),
            "teaching_room_m2": NumberWidget(),
            "sports_field_m2": NumberWidget(),
            "equipment_yuan": NumberWidget(),
            "multimedia_classrooms": IntWidget(default=0),
            "after_school_slots": IntWidget(default=10),
            "teaching_point": BoolWidget(),
        }
        _set_fields(self, w)

    class Meta:
        model = School
        fields = tuple(c.attr for c in SCHOOL_COLUMNS)
        import_id_fields = ("code",)
        instance_loader_class = CodeInstanceLoader
        skip_diff = True  # unchanged rows are found by skip_row below, without a diff per row
        use_bulk = True
        batch_size = 1000
        clean_model_instances = True

    def get_queryset(self) -> QuerySet[School]:
        return School.objects.filter(code__in=list(self.scope.schools))

    def complete(self, instance: Any, row: Any, errors: dict[str, Any]) -> None:
        if instance.county_id is None and "county" not in row and "county" not in errors:
            try:
                instance.county = CountyWidget(self.scope).clean("")
            except ValueError as exc:
                errors["county"] = [ValidationError(str(exc))]


class TeacherResource(RegionResource):
    kind = "teachers"
    columns = TEACHER_COLUMNS
    fk_fields = ("school",)

    def __init__(self, scope: ImportScope) -> None:
        super().__init__(scope)
        w: dict[str, widgets.Widget] = {
            "code": TextWidget(30),
            "name": TextWidget(50),
            "school": SchoolWidget(scope),
            "subject": ChoiceWidget(SUBJECTS),
            "section": ChoiceWidget(
                [(Level.PRIMARY, Level.PRIMARY.label), (Level.JUNIOR, Level.JUNIOR.label)],
                required=False,
            ),
            "qualification": ChoiceWidget(Qualification.choices),
            "backbone_level": ChoiceWidget(
                BackboneLevel.choices, required=False, default=BackboneLevel.NONE
            ),
            "years_at_school": IntWidget(0, 60, default=0),
            "age": IntWidget(16, 80, required=True),
            "gender": ChoiceWidget(Gender.choices),
        }
        _set_fields(self, w)

    class Meta:
        model = Teacher
        fields = tuple(c.attr for c in TEACHER_COLUMNS)
        import_id_fields = ("code",)
        instance_loader_class = CodeInstanceLoader
        skip_diff = True  # unchanged rows are found by skip_row below, without a diff per row
        use_bulk = True
        batch_size = 1000
        clean_model_instances = True

    def get_queryset(self) -> QuerySet[Teacher]:
        return Teacher.objects.filter(school__in=list(self.scope.schools.values()))

    def complete(self, instance: Any, row: Any, errors: dict[str, Any]) -> None:
        # An empty section follows the school: a junior school's teachers teach junior.
        derive = not instance.section or ("section" not in row and instance._state.adding)
        if derive and instance.school_id is not None:
            junior = instance.school.level == Level.JUNIOR
            instance.section = Level.JUNIOR if junior else Level.PRIMARY


GRADES = {Level.PRIMARY: (1, 6), Level.JUNIOR: (7, 9), Level.NINE_YEAR: (1, 9)}


class StudentResource(RegionResource):
    kind = "students"
    columns = STUDENT_COLUMNS
    fk_fields = ("school", "school_class")

    def __init__(self, scope: ImportScope) -> None:
        super().__init__(scope)
        self.class_widget = IntWidget(1, 99)
        w: dict[str, widgets.Widget] = {
            "code": TextWidget(30),
            "name": TextWidget(50),
            "gender": ChoiceWidget(Gender.choices),
            "birth_date": DateWidget(),
            "school": SchoolWidget(scope),
            "grade": IntWidget(1, 9, required=True),
            "school_class": self.class_widget,
            "migrant": BoolWidget(),
            "left_behind": BoolWidget(),
            "low_income": BoolWidget(),
            "support_needs": BoolWidget(),
            "score": NumberWidget(None, default=None),
        }
        _set_fields(self, w)

    class Meta:
        model = Student
        fields = tuple(c.attr for c in STUDENT_COLUMNS)
        import_id_fields = ("code",)
        instance_loader_class = CodeInstanceLoader
        skip_diff = True  # unchanged rows are found by skip_row below, without a diff per row
        use_bulk = True
        batch_size = 1000
        clean_model_instances = True

    def get_queryset(self) -> QuerySet[Student]:
        return Student.objects.filter(school__in=list(self.scope.schools.values()))

    def import_field(
        self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any
    ) -> None:
        if field.attribute == "school_class":
            return  # resolved in complete(), once school and grade are known
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def complete(self, instance: Any, row: Any, errors: dict[str, Any]) -> None:
        if "school" in errors or "grade" in errors or instance.school_id is None:
            return
        low, high = GRADES[Level(instance.school.level)]
        if not low <= instance.grade <= high:
            errors["grade"] = [
                ValidationError(
                    _("年级 %(grade)d 不属于%(level)s（%(low)d–%(high)d 年级）")
                    % {
                        "grade": instance.grade,
                        "level": instance.school.get_level_display(),
                        "low": low,
                        "high": high,
                    }
                )
            ]
            return
        if "class" not in row:
            return
        try:
            number = self.class_widget.clean(row["class"])
        except ValueError as exc:
            errors["school_class"] = [ValidationError(str(exc))]
            return
        instance.school_class = (
            None
            if number is None
            else self.scope.school_class(instance.school, instance.grade, number)
        )

    def dehydrate_school_class(self, student: Student) -> Any:
        return student.school_class.number if student.school_class else ""


def _set_fields(resource: RegionResource, widgets_by_attr: dict[str, widgets.Widget]) -> None:
    """Give every column its widget and its canonical key as the dataset column name."""
    for col in resource.columns:
        f = fields.Field(attribute=col.attr, column_name=col.key, widget=widgets_by_attr[col.attr])
        resource.fields[col.attr] = f


RESOURCES: dict[str, type[RegionResource]] = {
    "schools": SchoolResource,
    "teachers": TeacherResource,
    "students": StudentResource,
}
