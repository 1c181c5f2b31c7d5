"""Rates read as percentages through one helper (junheng/formats.py), in templates and code."""

from decimal import Decimal

from django.template import Context, Template

from junheng.formats import percent, percent_points


def test_a_ratio_reads_as_a_percentage():
    assert percent(0.875) == "87.5%"
    assert percent(Decimal("0.7")) == "70%"
    assert percent(1) == "100%"
    assert percent(0) == "0%"
    assert percent(2 / 3) == "66.7%"
    assert percent(Decimal("0.6667"), 2) == "66.67%"
    assert percent(None) == "—" and percent("") == "—"
    assert percent_points(87.5) == "87.5%" and percent_points(50.0) == "50%"


def test_every_template_has_the_filter_without_loading_it():
    t = Template("{{ r|percent }} {{ r|percent:0 }} {{ p|percent_points }} {{ n|percent }}")
    assert t.render(Context({"r": 0.875, "p": 12.34, "n": None})) == "87.5% 88% 12.3% —"


def test_a_zero_fee_reads_free():
    from django.utils import translation

    from junheng.formats import fee

    assert fee(Decimal("0.00")) == "免费" and fee(0) == "免费"
    assert fee(Decimal("300.00")) == "300" and fee(Decimal("12.50")) == "12.5"
    assert fee(None) == "—"
    with translation.override("en"):
        assert fee(0) == "Free"
