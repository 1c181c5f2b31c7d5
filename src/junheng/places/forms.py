"""Forms of the school-places pages: they parse and validate; actions do the writing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from junheng.places.models import Scenario
from junheng.region.models import School

MAX_UPLOAD = 20 * 1024 * 1024


class ImportForm(forms.Form):
    KINDS = (
        ("enrolment", _("往年在校生人数（学校代码、学年、年级、学生数）")),
        ("births", _("学区出生人口（学校代码、出生年份、出生人口）")),
        ("capacity", _("学位容量（学校代码、普通教室、班额上限）")),
    )
    kind = forms.ChoiceField(label=_("导入内容"), choices=KINDS)
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件不能超过 20 MB"))
        if not f.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件"))
        return f


class SnapshotForm(forms.Form):
    year = forms.IntegerField(label=_("学年"), min_value=1990, max_value=2100)


class CapacityForm(forms.Form):
    classrooms = forms.IntegerField(label=_("普通教室（间）"), min_value=1, max_value=1000)
    max_class = forms.IntegerField(
        label=_("班额上限（人）"),
        min_value=1,
        max_value=80,
        help_text=_("国家标准：小学 45 人，初中 50 人"),
    )


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("情景名称"), max_length=100)
    description = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def _schools() -> forms.ModelChoiceField[School]:
    return forms.ModelChoiceField(
        queryset=School.objects.order_by("code"), label=_("学校"), to_field_name="code"
    )


class HousingForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=100)
    school = _schools()
    year = forms.IntegerField(label=_("起始学年"), min_value=2000, max_value=2100)
    students = forms.IntegerField(label=_("新增学龄儿童（人）"), min_value=1, max_value=100_000)
    grade = forms.IntegerField(
        label=_("年级"),
        required=False,
        min_value=1,
        max_value=9,
        help_text=_("留空：平均分到学校的各年级"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].label = _("所在学区学校")


class MergerForm(forms.Form):
    school = _schools()
    into = _schools()
    year = forms.IntegerField(label=_("撤并学年"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].label = _("撤并学校")
        self.fields["into"].label = _("并入学校")


class OpeningForm(forms.Form):
    code = forms.CharField(label=_("新校代码"), max_length=30)
    name = forms.CharField(label=_("新校名称"), max_length=200)
    from_school = _schools()
    year = forms.IntegerField(label=_("开办学年"), min_value=2000, max_value=2100)
    share = forms.DecimalField(
        label=_("划出比例"),
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        max_value=Decimal(1),
        help_text=_("新校学区占原学区学生的比例，如 0.4"),
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
    )
    classrooms = forms.IntegerField(label=_("普通教室（间）"), min_value=1, max_value=1000)
    max_class = forms.IntegerField(
        label=_("班额上限（人）"),
        required=False,
        min_value=1,
        max_value=80,
        help_text=_("留空：按学段的国家标准"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_school"].label = _("划出学区的学校")


class RunForm(forms.Form):
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.order_by("name"),
        label=_("情景"),
        required=False,
        empty_label=_("仅基准（不加情景）"),
    )
    years = forms.IntegerField(label=_("预测年数"), min_value=1, max_value=15, initial=6)
    history = forms.IntegerField(
        label=_("平均的最近年数"),
        min_value=1,
        max_value=10,
        initial=3,
        help_text=_("年级递升比率和入学率取最近几个可用学年的平均"),
    )
