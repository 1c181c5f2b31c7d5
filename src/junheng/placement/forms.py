"""Forms of class placement: they parse and check input; actions do the writing."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from junheng.engines.io import InputError
from junheng.placement import adapters
from junheng.placement.models import (
    Method,
    Placement,
    RequesterRole,
    RequestKind,
    WitnessRole,
)
from junheng.region.models import School, Student, Teacher, Term
from junheng.widgets import field_of

MAX_UPLOAD = 5 * 1024 * 1024


def split_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", text or "") if c]


class PlacementForm(forms.Form):
    term = forms.ModelChoiceField(label=_("学期"), queryset=Term.objects.all())
    grade = forms.IntegerField(label=_("年级"), min_value=1, max_value=9, initial=1)
    n_classes = forms.IntegerField(label=_("班级数"), min_value=1, max_value=60)
    method = forms.ChoiceField(label=_("编班方法"), choices=Method.choices, initial=Method.BALANCED)
    balance_extras = forms.BooleanField(
        label=_("同时均衡随迁子女、留守儿童"), required=False, initial=True
    )
    file = forms.FileField(
        label=_("导入名单（可选）"),
        required=False,
        help_text=_(
            "CSV 或 XLSX，列：student_id, gender, score, needs, together, apart"
            "（与 junheng place 相同），也可用中文列名：学生编码、性别（男/女）、成绩、特殊需要、"
            "同班、分开；不导入则取本校该年级全部学生。"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = Term.objects.filter(is_current=True).first()
        if current is not None:
            self.fields["term"].initial = current.pk

    def clean_file(self) -> adapters.ImportedCohort | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("只接受 .csv 或 .xlsx 文件。"))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件过大（上限 5 MB）。"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            try:
                return adapters.read_import(path)
            except InputError as err:
                named = InputError(upload.name, err.row, err.column, err.reason)
                raise forms.ValidationError(str(named)) from err


class SettingsForm(forms.ModelForm[Placement]):
    class Meta:
        model = Placement
        fields = ["n_classes", "method", "balance_extras"]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=RequestKind.choices)
    codes = forms.CharField(
        label=_("学生编码"),
        help_text=_("两个或以上，用空格或逗号分隔"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("理由"), max_length=200, help_text=_("如：双胞胎、兄弟姐妹、家长申请分开")
    )
    requested_by_name = forms.CharField(label=_("申请人"), max_length=50)
    requested_by_role = forms.ChoiceField(label=_("申请人身份"), choices=RequesterRole.choices)

    def __init__(self, *args: Any, placement: Placement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placement = placement

    def clean_codes(self) -> list[Student]:
        codes = list(dict.fromkeys(split_codes(self.cleaned_data["codes"])))
        if len(codes) < 2:
            raise forms.ValidationError(_("一条申请至少涉及两名学生。"))
        found = {
            m.code: m.student
            for m in self.placement.members.filter(code__in=codes).select_related("student")
        }
        missing = [c for c in codes if found.get(c) is None]
        if missing:
            raise forms.ValidationError(
                _("这些学生不在本次编班名单中：%(codes)s") % {"codes": "、".join(missing)}
            )
        return [s for c in codes if (s := found[c]) is not None]


class TeamForm(forms.Form):
    label = forms.CharField(label=_("团队名称"), max_length=50)
    homeroom = forms.ModelChoiceField(label=_("班主任"), queryset=Teacher.objects.none())
    teachers = forms.ModelMultipleChoiceField(
        label=_("任课教师"), queryset=Teacher.objects.none(), required=False
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Teacher.objects.filter(school=school).order_by("code")
        field_of(self, "homeroom", forms.ModelChoiceField).queryset = qs
        field_of(self, "teachers", forms.ModelChoiceField).queryset = qs


class WitnessForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("身份"), choices=WitnessRole.choices)


class LateArrivalForm(forms.Form):
    student = forms.ModelChoiceField(label=_("学生"), queryset=Student.objects.none())
    reason = forms.CharField(label=_("理由"), max_length=200, help_text=_("如：转学、迟报到"))
    apart_codes = forms.CharField(
        label=_("需分开的学生编码（可选）"),
        required=False,
        help_text=_("如双胞胎中已分班的一方"),
    )

    def __init__(self, *args: Any, placement: Placement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placement = placement
        field_of(self, "student", forms.ModelChoiceField).queryset = (
            Student.objects.filter(school=placement.school, grade=placement.grade)
            .exclude(code__in=placement.members.values("code"))
            .order_by("code")
        )

    def clean_apart_codes(self) -> list[Student]:
        codes = split_codes(self.cleaned_data.get("apart_codes", ""))
        found = {
            m.code: m.student
            for m in self.placement.members.filter(code__in=codes).select_related("student")
        }
        missing = [c for c in codes if found.get(c) is None]
        if missing:
            raise forms.ValidationError(
                _("这些学生不在本次编班名单中：%(codes)s") % {"codes": "、".join(missing)}
            )
        return [s for c in codes if (s := found[c]) is not None]


ROLE_BY_LABEL = {str(label): value for value, label in WitnessRole.choices}


class BulkRunForm(forms.Form):
    term = forms.ModelChoiceField(label=_("学期"), queryset=Term.objects.all())
    grade = forms.IntegerField(label=_("年级"), min_value=1, max_value=9, initial=1)
    method = forms.ChoiceField(label=_("编班方法"), choices=Method.choices, initial=Method.BALANCED)
    max_class_size = forms.IntegerField(label=_("班额上限"), min_value=10, max_value=60, initial=45)
    witnesses = forms.CharField(
        label=_("监督人"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名，身份（家长代表、纪检监察人员、公证员……）"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = Term.objects.filter(is_current=True).first()
        if current is not None:
            self.fields["term"].initial = current.pk

    def clean_witnesses(self) -> list[tuple[str, str]]:
        out = []
        for line in self.cleaned_data["witnesses"].splitlines():
            parts = [p.strip() for p in re.split(r"[,，]", line, maxsplit=1)]
            if not parts[0]:
                continue
            role = ROLE_BY_LABEL.get(parts[1] if len(parts) > 1 else "", WitnessRole.OTHER)
            out.append((parts[0][:50], role))
        if not out:
            raise forms.ValidationError(_("抽签前须登记至少一名监督人。"))
        return out
