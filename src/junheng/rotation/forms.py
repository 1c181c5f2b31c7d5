"""Forms of the rotation planner: round rules, a school's needs, a teacher's preferences, pins."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from junheng.region.models import SUBJECTS, School
from junheng.rotation.models import PinKind, RotationRound
from junheng.widgets import field_of


class RulesForm(forms.ModelForm[RotationRound]):
    class Meta:
        model = RotationRound
        fields = [
            "min_years",
            "share",
            "max_share",
            "target_share",
            "backbone_share",
            "backbone_basis",
            "max_km",
            "max_age_male",
            "max_age_female",
            "stint_years",
            "preference_deadline",
        ]
        widgets = {"preference_deadline": forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lo, hi = data.get("share"), data.get("max_share")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("max_share", _("交流比例上限不能低于下限。"))
        target = data.get("target_share")
        if target is not None and lo is not None and target < lo:
            self.add_error("target_share", _("目标交流比例不能低于下限。"))
        elif target is not None and hi is not None and target > hi:
            self.add_error("target_share", _("目标交流比例不能高于上限。"))
        return data


class OpenRoundForm(RulesForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    class Meta(RulesForm.Meta):
        fields = ["year", *RulesForm.Meta.fields]


class NeedsForm(forms.Form):
    """One integer field per subject: the head count the school needs after the moves."""

    def __init__(self, *args: Any, staff: dict[str, int], needs: dict[str, int], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.rows: list[dict[str, Any]] = []
        for code, label in SUBJECTS:
            if code not in staff and code not in needs:
                continue
            self.fields[f"need_{code}"] = forms.IntegerField(
                label=label, min_value=0, max_value=999, initial=needs.get(code, 0)
            )
            self.rows.append({"code": code, "label": label, "staff": staff.get(code, 0)})

    def bound_rows(self) -> list[dict[str, Any]]:
        return [r | {"field": self[f"need_{r['code']}"]} for r in self.rows]

    def needs(self) -> dict[str, int]:
        return {str(r["code"]): int(self.cleaned_data[f"need_{r['code']}"]) for r in self.rows}


class SchoolWithDistance(forms.ModelChoiceField[School]):
    """A school choice labelled by the form (name and distance), else by the school's name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.labels: dict[int, str] = {}

    def label_from_instance(self, obj: School) -> str:
        return self.labels.get(obj.pk, obj.name)


class PreferenceForm(forms.Form):
    pref1 = SchoolWithDistance(queryset=School.objects.none(), required=False, label=_("第一志愿"))
    pref2 = SchoolWithDistance(queryset=School.objects.none(), required=False, label=_("第二志愿"))
    pref3 = SchoolWithDistance(queryset=School.objects.none(), required=False, label=_("第三志愿"))
    hardship = forms.BooleanField(
        required=False, label=_("有特殊困难（如需照顾老人、子女、本人健康原因）")
    )
    hardship_reason = forms.CharField(
        required=False,
        max_length=300,
        label=_("困难说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, choices: list[tuple[School, float]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        pks = [s.pk for s, _km in choices]
        labels = {s.pk: f"{s.name}（{km:.1f} km）" for s, km in choices}
        for name in ("pref1", "pref2", "pref3"):
            f = field_of(self, name, SchoolWithDistance)
            f.queryset = School.objects.filter(pk__in=pks).order_by("code")
            f.labels = labels

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = [data[k] for k in ("pref1", "pref2", "pref3") if data.get(k) is not None]
        if len({s.pk for s in picked}) != len(picked):
            raise forms.ValidationError(_("志愿学校不能重复。"))
        if data.get("hardship") and not (data.get("hardship_reason") or "").strip():
            self.add_error("hardship_reason", _("请说明特殊困难。"))
        return data


class PinForm(forms.Form):
    teacher = forms.IntegerField(widget=forms.HiddenInput)
    school = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=PinKind.choices)
    note = forms.CharField(required=False, max_length=200)
