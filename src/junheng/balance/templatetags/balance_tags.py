"""Number formats of the balance pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def ind(value: Any, indicator: str = "") -> str:
    """An indicator value: yuan (L6) whole with thousands, others 2 decimals."""
    if value is None or value == "":
        return "—"
    v = float(value)
    if indicator == "L6":
        return f"{v:,.0f}"
    return f"{v:,.2f}"


@register.filter
def cv(value: Any) -> str:
    return "—" if value is None else f"{float(value):.4f}"


@register.filter
def signed(value: Any, indicator: str = "") -> str:
    v = float(value)
    return ("+" if v >= 0 else "−") + ind(abs(v), indicator)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None
