"""Forms of the enrolment pages (validation of shape; the actions check the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from junheng.enrolment.models import ChoiceWindow, Presence

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WindowForm(forms.ModelForm):  # type: ignore[type-arg]
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

    def __init__(self, *args: Any, schools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is not None:
            self.fields["school"].queryset = schools  # type: ignore[attr-defined]
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = [  # type: ignore[attr-defined]
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
