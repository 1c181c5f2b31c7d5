"""Pseudonyms and lottery keys of a window's draw (the parts that other actions read).

Every child in a window has a pseudonym (`Ranking.pseudonym`, random, per window) that stands
for them in the public draw files; the school's student code never appears there. Lottery keys
are those of the public lottery on the pseudonym: sha256(f"{final seed}:{pseudonym}").
"""

from __future__ import annotations

from collections.abc import Iterable

from junheng.engines.lottery import lottery_key
from junheng.enrolment import adapters
from junheng.enrolment.models import ChoiceWindow, Draw, Ranking, WindowState
from junheng.public_draw import unique_pseudonyms


def ensure_pseudonyms(window: ChoiceWindow) -> int:
    """Give every ranking of the window that has none a fresh pseudonym; return how many."""
    missing = list(Ranking.objects.filter(window=window, pseudonym=""))
    if not missing:
        return 0
    taken = Ranking.objects.filter(window=window).exclude(pseudonym="")
    fresh = unique_pseudonyms(len(missing), taken.values_list("pseudonym", flat=True))
    for ranking, alias in zip(missing, fresh, strict=True):
        ranking.pseudonym = alias
    Ranking.objects.bulk_update(missing, ["pseudonym"], batch_size=1000)
    return len(missing)


def lottery_keys(window: ChoiceWindow, student_ids: Iterable[int]) -> dict[int, str]:
    """Each child's lottery key in the window's draw (keyed by student pk): the key the engine
    used, so post-draw steps (re-placing children of a cancelled offering) follow the same
    order. Draws run before the seed rule existed used the seed and the student code."""
    draw = Draw.objects.get(window=window)
    ids = list(student_ids)
    rows = Ranking.objects.filter(window=window, student_id__in=ids).values_list(
        "student_id", "pseudonym", "student__code"
    )
    if draw.final_seed:
        return {sid: lottery_key(draw.final_seed, alias) for sid, alias, _code in rows}
    return {sid: lottery_key(draw.seed, code) for sid, _alias, code in rows}


def inputs_sha256_now(window: ChoiceWindow) -> str | None:
    """The hash the input files would have if the draw ran now (a closed window, every child
    with a pseudonym): shown to the bureau and read out before the entropy is entered."""
    if window.state != WindowState.CLOSED:
        return None
    if Ranking.objects.filter(window=window, pseudonym="").exists():
        return None  # pseudonyms are given when the draw runs; the hash is fixed then
    return adapters.draw_inputs(window).inputs_sha256
