"""Forms of the balance monitor: what-if changes, guarantee items, recognition, snapshots."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.balance.adapters import Change, Investment, TeacherMove, pick_teachers
from junheng.balance.items import SPECS
from junheng.region.models import School, Teacher
from junheng.widgets import FastSelect, field_of

RowT = TypeVar("RowT", bound=Mapping[str, object])  # a row of the county table or the gap list

KINDS = [
    ("any", _("任意教师")),
    ("backbone", _("骨干教师")),
    ("qualified", _("高于规定学历教师")),
    ("pe_art", _("体育艺术教师")),
]


class WhatIfForm(forms.Form):
    """Teachers moved (by kind and number, or by code) and an investment in one school."""

    move_count = forms.IntegerField(label=_("调动人数"), min_value=0, max_value=200, required=False)
    move_kind = forms.ChoiceField(label=_("教师类别"), choices=KINDS, required=False)
    move_from = forms.ModelChoiceField(
        label=_("调出学校"), queryset=School.objects.none(), required=False, widget=FastSelect
    )
    move_to = forms.ModelChoiceField(
        label=_("调入学校"), queryset=School.objects.none(), required=False, widget=FastSelect
    )
    teacher_codes = forms.CharField(
        label=_("指定教师编号"),
        required=False,
        help_text=_("多个编号用空格或逗号分隔"),
    )
    teacher_to = forms.ModelChoiceField(
        label=_("指定教师调入学校"),
        queryset=School.objects.none(),
        required=False,
        widget=FastSelect,
    )
    invest_school = forms.ModelChoiceField(
        label=_("投入学校"), queryset=School.objects.none(), required=False, widget=FastSelect
    )
    teaching_room_m2 = forms.FloatField(label=_("教学及辅助用房 (m²)"), required=False)
    sports_field_m2 = forms.FloatField(label=_("体育运动场馆 (m²)"), required=False)
    equipment_yuan = forms.FloatField(label=_("教学仪器设备 (元)"), required=False)
    multimedia_classrooms = forms.IntegerField(label=_("网络多媒体教室 (间)"), required=False)

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The four school lists show the same options: read the schools once, not four times.
        options = [("", "---------"), *schools.values_list("pk", "name")]  # str(school)
        for name in ("move_from", "move_to", "teacher_to", "invest_school"):
            field_of(self, name, forms.ModelChoiceField).queryset = schools
            self.fields[name].widget.choices = options
        self.schools = schools

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        changes: list[Change] = []
        count = data.get("move_count") or 0
        if count:
            src, dst = data.get("move_from"), data.get("move_to")
            if src is None or dst is None:
                raise forms.ValidationError(_("请选择调出和调入学校"))
            if src == dst:
                raise forms.ValidationError(_("调出和调入学校不能相同"))
            ids = pick_teachers(src.pk, data.get("move_kind") or "any", count)
            if len(ids) < count:
                raise forms.ValidationError(
                    _("%(school)s 只有 %(n)s 名符合条件的教师")
                    % {"school": src.name, "n": len(ids)}
                )
            changes += [TeacherMove(t, dst.pk) for t in ids]
        codes = [c for c in re.split(r"[\s,，、]+", data.get("teacher_codes") or "") if c]
        if codes:
            dst = data.get("teacher_to")
            if dst is None:
                raise forms.ValidationError(_("请选择指定教师的调入学校"))
            found = dict(
                Teacher.objects.filter(code__in=codes, school__in=self.schools).values_list(
                    "code", "pk"
                )
            )
            missing = [c for c in codes if c not in found]
            if missing:
                raise forms.ValidationError(
                    _("找不到教师：%(codes)s") % {"codes": "、".join(missing)}
                )
            changes += [TeacherMove(found[c], dst.pk) for c in codes]
        amounts = {
            k: data.get(k) or 0
            for k in (
                "teaching_room_m2",
                "sports_field_m2",
                "equipment_yuan",
                "multimedia_classrooms",
            )
        }
        if any(amounts.values()):
            school = data.get("invest_school")
            if school is None:
                raise forms.ValidationError(_("请选择投入的学校"))
            changes.append(Investment(school.pk, **{k: float(v) for k, v in amounts.items()}))
        if not changes:
            raise forms.ValidationError(_("请至少填写一项调整"))
        data["changes"] = changes
        return data


class GovernmentItemForm(forms.Form):
    code = forms.ChoiceField(label=_("项目"), choices=[])
    value = forms.FloatField(label=_("数值"), required=False)
    passes = forms.NullBooleanField(
        label=_("是否达标"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("未知")), ("true", _("达标")), ("false", _("未达标"))]
        ),
        help_text=_("有数值门槛的项目按数值自动判断"),
    )
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "code", forms.ChoiceField).choices = [
            (c, f"{c} {SPECS[c].title_zh}") for c in codes
        ]


class RecognitionForm(forms.Form):
    satisfied_share = forms.FloatField(label=_("认可度 (%)"), min_value=0, max_value=100)
    respondents = forms.IntegerField(label=_("调查人数"), min_value=0, initial=0)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SnapshotForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    label = forms.CharField(label=_("学年/学期"), max_length=60, required=False)
    note = forms.CharField(label=_("备注"), required=False)


class SchoolTableFilter(forms.Form):
    """Search and filters of the dashboard's school table (a list of the evaluation's rows,
    not a queryset: the indicators are computed, not stored)."""

    q = forms.CharField(label=_("学校"), required=False)
    level = forms.ChoiceField(label=_("学段"), required=False)
    urban_rural = forms.ChoiceField(label=_("城乡"), required=False)
    result = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部")), ("pass", _("达标")), ("fail", _("未达标"))],
    )

    def __init__(self, *args: Any, with_result: bool = True, **kwargs: Any) -> None:
        from junheng.balance.texts import LEVEL_NAMES, UR_NAMES

        super().__init__(*args, **kwargs)
        if not with_result:  # the gap list has only failing schools
            del self.fields["result"]
        any_ = [("", _("全部"))]
        parts = [(k, LEVEL_NAMES[k]) for k in ("primary", "junior")]  # a row is a school part
        field_of(self, "level", forms.ChoiceField).choices = any_ + parts
        field_of(self, "urban_rural", forms.ChoiceField).choices = any_ + list(UR_NAMES.items())

    @property
    def form(self) -> SchoolTableFilter:  # the shared _filters.html reads `filter.form`
        return self

    def rows(self, table: list[RowT]) -> list[RowT]:
        """The rows of the county table (or the gap list) that the filter keeps."""
        if not self.is_valid():
            return table
        d = self.cleaned_data
        q = d["q"].strip().lower()
        return [
            r
            for r in table
            if (not q or q in str(r["name"]).lower() or q in str(r["code"]).lower())
            and (not d["level"] or r["level"] == d["level"])
            and (not d["urban_rural"] or r["urban_rural"] == d["urban_rural"])
            and (not d.get("result") or r["passes"] == (d["result"] == "pass"))
        ]
