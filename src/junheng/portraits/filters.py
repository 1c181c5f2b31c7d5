"""The filters of the support list (需要关爱的学生): by grade, class and dimension, over the
school admin's own school (the view has already scoped it to `user.school_id`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from junheng.portraits.models import Dimension
from junheng.portraits.report import Flagged, support_flags
from junheng.region.filters import ANY
from junheng.region.models import SchoolClass, Term
from junheng.widgets import field_of


class SupportFilterForm(forms.Form):
    grade = forms.TypedChoiceField(label=_("年级"), coerce=int, required=False, empty_value=None)
    school_class = forms.TypedChoiceField(
        label=_("班级"), coerce=int, required=False, empty_value=None
    )
    dimension = forms.ChoiceField(label=_("维度"), required=False)

    def __init__(self, data: Any, *, classes: Sequence[SchoolClass]) -> None:
        super().__init__(data)
        grades = sorted({c.grade for c in classes})
        field_of(self, "grade", forms.ChoiceField).choices = [("", ANY)] + [
            (g, _("%(g)d 年级") % {"g": g}) for g in grades
        ]
        field_of(self, "school_class", forms.ChoiceField).choices = [("", ANY)] + [
            (c.pk, str(c)) for c in classes
        ]
        field_of(self, "dimension", forms.ChoiceField).choices = [("", ANY), *Dimension.choices]


class SupportFilter:
    """The form (`form`, what `_filters.html` shows) and what it asks of the list.

    A query string without `grade` (the page opened from the menu, or 清除) shows the school's
    first grade (a class chosen alone: its grade): a large school flags a thousand children or
    more, and ranking one grade is a fifth of the work; `grade=` (全部) asks for every grade. An invalid query string (a
    hand-edited one) narrows nothing and shows the form's errors."""

    def __init__(self, data: Any, *, school_id: int | None) -> None:
        classes = (
            list(SchoolClass.objects.filter(school_id=school_id).order_by("grade", "number"))
            if school_id is not None
            else []
        )
        self.school_id = school_id
        if "grade" not in data and not data.get("school_class") and classes:
            data = {**{k: data.get(k) for k in data}, "grade": classes[0].grade}
        self.form = SupportFilterForm(data, classes=classes)
        self._grade_of = {c.pk: c.grade for c in classes}
        valid = self.form.is_valid()
        chosen: dict[str, Any] = self.form.cleaned_data if valid else {}
        self.grade: int | None = chosen.get("grade")
        self.school_class: int | None = chosen.get("school_class")
        self.dimension: str | None = chosen.get("dimension") or None

    def query(self) -> str:
        """The filters chosen as a query string, `grade` always in it (empty: every grade), so
        that a link made of it (the export) asks for what the page shows."""
        return urlencode({"grade": "" if self.grade is None else self.grade, **self.params()})

    def params(self) -> dict[str, Any]:
        """The filters chosen (JSON values: they go to the export's job and the audit log)."""
        out = {"grade": self.grade, "school_class": self.school_class, "dimension": self.dimension}
        return {k: v for k, v in out.items() if v is not None}

    def flagged(self, term: Term | None) -> list[Flagged]:
        """The children needing support this term that the filters ask for, in grade and code
        order (`report.support_flags`; a class's children are ranked within their grade)."""
        if term is None or self.school_id is None:
            return []
        grade = self.grade
        if self.school_class is not None:
            if grade is not None and self._grade_of[self.school_class] != grade:
                return []
            grade = self._grade_of[self.school_class]
        found = support_flags(self.school_id, term, grade=grade, dimension=self.dimension)
        if self.school_class is None:
            return found
        return [f for f in found if f.school_class_id == self.school_class]
