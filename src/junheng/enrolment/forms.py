"""Forms of the enrolment pages (validation of shape; the actions check the rules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import Offering
from junheng.enrolment.models import ChoiceWindow, Presence
from junheng.region.models import School
from junheng.widgets import field_of

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WindowForm(forms.ModelForm[ChoiceWindow]):
    class Meta:
        model = ChoiceWindow
        fields = [
            "school",
            "term",
            "opens_at",
            "closes_at",
            "max_ranked",
            "max_courses",
            "method",
            "priority_left_behind",
            "priority_low_income",
            "min_size",
            "offer_hours",
        ]
        widgets = {"opens_at": DT, "closes_at": DT}

    def __init__(self, *args: Any, schools: QuerySet[School] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is not None:
            field_of(self, "school", forms.ModelChoiceField).queryset = schools
        for name in ("opens_at", "closes_at"):
            field_of(self, name, forms.DateTimeField).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("method") == "da" and data.get("max_courses", 1) != 1:
            self.add_error("max_courses", _("延迟接受法每人只能录取一门课程（K = 1）。"))
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("截止时间必须晚于开始时间。"))
        return data


class EntropyForm(forms.Form):
    """The public numbers of the draw ceremony (see `do_run_draw`)."""

    entropy = forms.CharField(
        label=_("公开随机数（监督人现场报出的数字，或从公开来源读取的数字，原样录入）"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "data-testid": "entropy-input", "id": "entropy"}
        ),
    )
    entropy_source = forms.CharField(
        label=_("随机数来源（可选）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "entropy-source-input"}),
    )
    inputs_sha256 = forms.CharField(required=False, widget=forms.HiddenInput)


class RoundForm(forms.Form):
    opens_at = forms.DateTimeField(label=_("开始时间"), widget=DT)
    closes_at = forms.DateTimeField(label=_("截止时间"), widget=DT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            field_of(self, name, forms.DateTimeField).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("截止时间必须晚于开始时间。"))
        return data


class OfferingChoiceField(forms.ModelChoiceField[Offering]):
    def label_from_instance(self, obj: Offering) -> str:
        return f"{obj.course.title} · {obj.slot}"


class ManualEnrolForm(forms.Form):
    student_code = forms.CharField(label=_("学籍号"), max_length=40)
    offering = OfferingChoiceField(label=_("课程"), queryset=None)
    reason = forms.CharField(label=_("原因"), max_length=500)

    def __init__(self, *args: Any, offerings: Iterable[Offering] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "offering", OfferingChoiceField).queryset = Offering.objects.filter(
            pk__in=[o.pk for o in offerings]
        ).select_related("course", "slot")


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("评分"),
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("评价"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


PRESENCE_CHOICES = Presence.choices
