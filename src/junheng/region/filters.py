"""Search and filters of the region list pages (django-filter): schools, students, teachers.

Each FilterSet works on a queryset the view has already scoped (accounts.scoping); the filters
only narrow it. Field names are the query-string names the pages have always used (`q`,
`grade`), so bookmarked links keep working.
"""

from __future__ import annotations

from typing import Any

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.region.models import (
    SUBJECTS,
    BackboneLevel,
    County,
    Gender,
    Level,
    School,
    Student,
    Teacher,
    UrbanRural,
)

ANY = _("全部")


class YesNoAny(forms.Select):
    """全部 / 是 / 否 for a BooleanFilter (Django's own widget says 未知 for "either")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, choices=(("", ANY), ("true", _("是")), ("false", _("否"))))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # The option to mark: True/False (or their query-string spellings) as "true"/"false",
        # anything else as 全部.
        choice = {True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")
        return super().get_context(name, choice, attrs)


def search(qs: QuerySet[Any], value: str, *fields: str) -> QuerySet[Any]:
    """Rows where any of `fields` contains `value` (case-insensitive); blank: all rows."""
    value = value.strip()
    if not value:
        return qs
    q = Q()
    for f in fields:
        q |= Q(**{f"{f}__icontains": value})
    return qs.filter(q)


class SchoolFilter(df.FilterSet):
    q = df.CharFilter(label=_("代码或名称"), method="by_text")
    level = df.ChoiceFilter(label=_("学段"), choices=Level.choices, empty_label=ANY)
    urban_rural = df.ChoiceFilter(label=_("城乡类别"), choices=UrbanRural.choices, empty_label=ANY)
    county = df.ModelChoiceFilter(
        label=_("县区"), queryset=County.objects.order_by("code"), empty_label=ANY
    )

    class Meta:
        model = School
        fields = ["q", "level", "urban_rural", "county"]

    def by_text(self, qs: QuerySet[School], name: str, value: str) -> QuerySet[School]:
        return search(qs, value, "code", "name")


class StudentFilter(df.FilterSet):
    q = df.CharFilter(label=_("姓名或编码"), method="by_text")
    grade = df.NumberFilter(label=_("年级"), min_value=1, max_value=9)
    gender = df.ChoiceFilter(label=_("性别"), choices=Gender.choices, empty_label=ANY)
    migrant = df.BooleanFilter(label=_("随迁子女"), widget=YesNoAny)
    left_behind = df.BooleanFilter(label=_("留守儿童"), widget=YesNoAny)

    class Meta:
        model = Student
        fields = ["q", "grade", "gender", "migrant", "left_behind"]

    def by_text(self, qs: QuerySet[Student], name: str, value: str) -> QuerySet[Student]:
        return search(qs, value, "code", "name")


class TeacherFilter(df.FilterSet):
    q = df.CharFilter(label=_("姓名或编号"), method="by_text")
    subject = df.ChoiceFilter(label=_("任教学科"), choices=SUBJECTS, empty_label=ANY)
    backbone_level = df.ChoiceFilter(
        label=_("骨干等级"), choices=BackboneLevel.choices, empty_label=ANY
    )

    class Meta:
        model = Teacher
        fields = ["q", "subject", "backbone_level"]

    def by_text(self, qs: QuerySet[Teacher], name: str, value: str) -> QuerySet[Teacher]:
        return search(qs, value, "code", "name")
