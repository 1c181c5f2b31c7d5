"""How numbers read in the UI, in one place.

- **A zero fee reads 免费** (`fee`): a course's fee is its number of yuan, and 0 is "free".
- **Rates as percentages** (`percent`): every rate or share the platform shows (attendance,
  fill, first-choice, teachers moved, quota shares…) is a ratio in the code (0.875) and reads
  "87.5%" on the page. Templates use the `percent` filter (a built-in of every template, set in
  the settings' TEMPLATES options); Python code that builds a sentence calls `percent()`.
  Values already in percentage points (87.5) go through `percent_points` instead, so a page
  never multiplies twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _digits(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def percent_points(points: float | Decimal | int | None, digits: int = 1) -> str:
    """A value already in percentage points (87.5) as "87.5%"; trailing zeros dropped
    ("100%", "50%"); None or "" as "—"."""
    if points is None or points == "":
        return "—"
    text = f"{float(points):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"{text}%"


def percent(ratio: float | Decimal | int | None, digits: int = 1) -> str:
    """A ratio (0.875) as "87.5%"; see percent_points."""
    if ratio is None or ratio == "":
        return "—"
    return percent_points(float(ratio) * 100, digits)


@register.filter(name="percent")
def percent_filter(value: Any, digits: Any = 1) -> str:
    """`{{ r.fill_rate|percent }}` → "87.5%"; `|percent:0` → "88%"."""
    return percent(value, _digits(digits, 1))


@register.filter(name="percent_points")
def percent_points_filter(value: Any, digits: Any = 1) -> str:
    """`{{ share_pct|percent_points }}` (a value already ×100) → "87.5%"."""
    return percent_points(value, _digits(digits, 1))


def fee(amount: float | Decimal | int | None) -> str:
    """A fee in yuan: 0 as 免费 (free), else the amount without trailing zeros ("300",
    "12.5"); None as "—"."""
    if amount is None or amount == "":
        return "—"
    value = Decimal(str(amount))
    if value == 0:
        return _("免费")
    text = format(value.normalize(), "f")
    return text


@register.filter(name="fee")
def fee_filter(value: Any) -> str:
    """`{{ c.fee_per_term|fee }}` → "300" or "免费"."""
    return fee(value)
