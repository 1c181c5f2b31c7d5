"""Forms of the quota pages: they parse and validate; actions do the writing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from junheng.quotas.models import HighSchool, Method, QuotaPlan
from junheng.region.models import County


def _share_field() -> forms.DecimalField:
    return forms.DecimalField(
        label=_("分配比例"),
        max_digits=5,
        decimal_places=4,
        help_text=_("(0, 1]，如 0.7 表示 70%；国家不低于 0.5，浙江 2025 年起不低于 0.7"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
    )


def _check_share(value: Decimal) -> Decimal:
    if not Decimal(0) < value <= Decimal(1):
        raise ValidationError(_("分配比例须大于 0 且不超过 1"))
    return value


class SettingsForm(forms.Form):
    share = _share_field()
    method = forms.ChoiceField(label=_("分配方法"), choices=Method.choices)
    min_seats = forms.IntegerField(
        label=_("每校保底名额"),
        min_value=0,
        initial=0,
        help_text=_("每所有毕业生的初中先得的名额，其余按毕业生数分配"),
    )

    def clean_share(self) -> Decimal:
        return _check_share(self.cleaned_data["share"])


class NewTableForm(SettingsForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    field_order = ["year", "share", "method", "min_seats"]


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("发布说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("发布后不可修改；应写明未完成名额退回统一招生的规则"),
    )


class PublishForm(NotesForm):
    method = forms.ChoiceField(label=_("采用的分配方法"), choices=Method.choices)

    field_order = ["method", "notes"]


class PlanForm(forms.Form):
    high_school = forms.IntegerField(widget=forms.HiddenInput)
    plan = forms.IntegerField(label=_("招生计划数"), min_value=0)
    high_school_obj: HighSchool  # the row's high school, set by the view for the page


PlanFormSet = forms.formset_factory(PlanForm, extra=0)


class UnfilledForm(forms.Form):
    high_school = forms.IntegerField(widget=forms.HiddenInput)
    unfilled = forms.IntegerField(label=_("录取后未完成名额"), min_value=0, required=False)
    plan_obj: QuotaPlan  # the row's plan, set by the view for the page


UnfilledFormSet = forms.formset_factory(UnfilledForm, extra=0)


class GraduatesImportForm(forms.Form):
    file = forms.FileField(
        label=_("毕业生数文件"),
        help_text=_(".xlsx 或 .csv，两列：初中学校代码 (junior_id)、毕业生数 (graduates)"),
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise ValidationError(_("文件过大（最大 5 MB）"))
        return f


class HighSchoolForm(forms.ModelForm[HighSchool]):
    county = forms.ModelChoiceField(
        label=_("县（市、区）"), queryset=County.objects.all(), required=False
    )

    class Meta:
        model = HighSchool
        fields = ["code", "name", "quality", "county"]
