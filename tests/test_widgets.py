"""FastSelect writes the same <select> as Django's Select (values, labels, selection, escaping)."""

from __future__ import annotations

import re

from django import forms

from junheng.widgets import FastSelect

CHOICES = [("", "---"), ("1", "城关小学"), ("2", "<b>&</b>"), ("3", "澉浦")]


def options(html):
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)


def test_fast_select_renders_the_options_and_selection_django_would():
    slow = forms.Select(choices=CHOICES).render("school", "2", attrs={"id": "id_school"})
    fast = FastSelect(choices=CHOICES).render("school", "2", attrs={"id": "id_school"})
    assert options(fast) == options(slow)
    assert ("2", " selected", "&lt;b&gt;&amp;&lt;/b&gt;") in options(fast)
    assert fast.startswith('<select name="school" id="id_school">')


def test_fast_select_in_a_model_choice_field_cleans_like_a_select(db):
    from junheng.region.models import County, School

    county = County.objects.create(code="C", name="县")
    school = School.objects.create(
        code="S", name="校", county=county, level="primary", urban_rural="urban"
    )

    class F(forms.Form):
        s = forms.ModelChoiceField(queryset=School.objects.all(), widget=FastSelect)

    html = str(F()["s"])
    assert f'<option value="{school.pk}">' in html
    assert F({"s": school.pk}).is_valid()
