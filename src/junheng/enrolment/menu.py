"""The rank page's course list and cards: what every child of a grade reads alike in a window.

At window opening thousands of parents open the same page within minutes; each process renders
a window's list once per `JUNHENG_RANK_MENU_S` seconds for each grade and language and reuses
it (Django's per-process local-memory cache, never shared, never a source of truth). The seats
left it shows may therefore be that many seconds old; a submission is always checked against
the live offerings (`actions.do_submit_ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from junheng.afterschool.cards import offering_cards
from junheng.afterschool.models import Offering
from junheng.enrolment import actions
from junheng.enrolment.models import ChoiceWindow
from junheng.region.models import Student


@dataclass(frozen=True)
class RankMenu:
    """(offering pk, the choice list's label) in the page's order, and the rendered cards."""

    options: tuple[tuple[int, str], ...]
    cards: SafeString


def option_label(o: Offering) -> str:
    """What a choice list shows of an offering: 书法 · 周一第1节 15:30-16:30 · 100.00 元."""
    fee = f"{formats.localize(o.fee)} {_('元')}" if o.fee else _("免费")
    return f"{o.course.title} · {o.slot} · {fee}"


def rank_menu(window: ChoiceWindow, child: Student) -> RankMenu:
    ttl = float(settings.JUNHENG_RANK_MENU_S)
    key = f"rank-menu:{window.pk}:{window.round}:{child.grade}:{get_language()}"
    local = caches["local"]
    if ttl > 0:
        kept = local.get(key)
        if isinstance(kept, RankMenu):
            return kept
    offerings = actions.rankable_offerings(window, child)
    menu = RankMenu(
        options=tuple((o.pk, option_label(o)) for o in offerings),
        cards=SafeString(
            render_to_string("enrolment/_rank_cards.html", {"cards": offering_cards(offerings)})
        ),
    )
    if ttl > 0:
        local.set(key, menu, ttl)
    return menu
