"""Search and filters of the quota pages (django-filter): the junior schools' rows of a table
(graduates of a draft, seats of a published table) and the high schools. Each works on a
queryset the view has already scoped; the filters only narrow it."""

from __future__ import annotations

from typing import Any

import django_filters as df
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.quotas.models import HighSchool, JuniorGraduates
from junheng.region.filters import ANY, YesNoAny, search
from junheng.region.models import County, UrbanRural


class JuniorRowFilter(df.FilterSet):
    """Rows of a table by junior school (JuniorGraduates)."""

    q = df.CharFilter(label=_("初中代码或名称"), method="by_text")
    urban_rural = df.ChoiceFilter(
        label=_("城乡类别"),
        field_name="school__urban_rural",
        choices=UrbanRural.choices,
        empty_label=ANY,
    )
    county = df.ModelChoiceFilter(
        label=_("县区"),
        field_name="school__county",
        queryset=County.objects.order_by("code"),
        empty_label=ANY,
    )

    class Meta:
        model = JuniorGraduates
        fields = ["q", "urban_rural", "county"]

    def by_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search(qs, value, "school__code", "school__name")


class HighSchoolFilter(df.FilterSet):
    q = df.CharFilter(label=_("代码或名称"), method="by_text")
    quality = df.BooleanFilter(label=_("优质高中"), widget=YesNoAny)

    class Meta:
        model = HighSchool
        fields = ["q", "quality"]

    def by_text(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return search(qs, value, "code", "name")
