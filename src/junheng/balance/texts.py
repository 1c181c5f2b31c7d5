"""Words of the balance pages: indicator names and shortfalls in plain units."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from junheng.engines.balance import INDICATORS

INDICATOR_NAMES = {
    "L1": _("高于规定学历教师"),
    "L2": _("县级以上骨干教师"),
    "L3": _("体育艺术专任教师"),
    "L4": _("生均教学及辅助用房"),
    "L5": _("生均体育运动场馆"),
    "L6": _("生均教学仪器设备值"),
    "L7": _("网络多媒体教室"),
}
INDICATOR_UNITS = {
    "L1": _("人/百生"),
    "L2": _("人/百生"),
    "L3": _("人/百生"),
    "L4": _("m²/生"),
    "L5": _("m²/生"),
    "L6": _("元/生"),
    "L7": _("间/百生"),
}
LEVEL_NAMES = {"primary": _("小学"), "junior": _("初中"), "nine_year": _("九年一贯制")}
UR_NAMES = {"urban": _("城区"), "town": _("镇区"), "rural": _("乡村")}
VERDICT_NAMES = {"pass": _("达标"), "fail": _("未达标")}


def _n(amount: float) -> str:
    return f"{round(amount):,}"


def needs(indicator: str, amount: float) -> str:
    """'needs 3 more backbone teachers' / 'needs 1,200 m² of sports field' (还需 …)."""
    n = round(amount)
    # Only the indicator's own message is translated (the gap list asks for thousands).
    if indicator == "L1":
        text = ngettext("还需 %(n)s 名高于规定学历的教师", "还需 %(n)s 名高于规定学历的教师", n)
    elif indicator == "L2":
        text = ngettext("还需 %(n)s 名县级以上骨干教师", "还需 %(n)s 名县级以上骨干教师", n)
    elif indicator == "L3":
        text = ngettext("还需 %(n)s 名体育艺术专任教师", "还需 %(n)s 名体育艺术专任教师", n)
    elif indicator == "L4":
        text = ngettext("还需 %(n)s m² 教学及辅助用房", "还需 %(n)s m² 教学及辅助用房", n)
    elif indicator == "L5":
        text = ngettext("还需 %(n)s m² 体育运动场馆", "还需 %(n)s m² 体育运动场馆", n)
    elif indicator == "L6":
        text = ngettext("还需 %(n)s 元教学仪器设备", "还需 %(n)s 元教学仪器设备", n)
    elif indicator == "L7":
        text = ngettext("还需 %(n)s 间网络多媒体教室", "还需 %(n)s 间网络多媒体教室", n)
    else:
        raise KeyError(indicator)
    return text % {"n": _n(amount)}


def indicator_labels() -> list[dict[str, object]]:
    return [
        {"code": ind, "name": INDICATOR_NAMES[ind], "unit": INDICATOR_UNITS[ind]}
        for ind in INDICATORS
    ]
