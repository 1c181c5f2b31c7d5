"""Demo data of the balance monitor, on top of the demo county loaded by `junheng demo`.

One snapshot of the current year from the live data, and two earlier years derived honestly:
the same schools and teachers with the facility totals scaled down to what a county typically
had before two years of investment (88% and 94%); both are flagged `synthetic` and say so in
their note. The computable government-guarantee items are computed. No accounts are added.
"""

from __future__ import annotations

from typing import Any

from junheng.balance import actions

HISTORY = {2: 0.88, 1: 0.94}  # years back -> share of today's facility totals
NOTE = "合成历史数据：以当前学校和教师为基础，设施总量按 {pct}% 缩放（演示用，非真实历史）"


def load(ctx: Any = None) -> list[tuple[str, str, str]]:
    year = actions.current_year()
    out = getattr(ctx, "out", None)
    if out is not None:
        out.write("junheng demo: balance snapshots (current year + 2 synthetic years)…\n")
    for back, factor in sorted(HISTORY.items(), reverse=True):
        actions.do_take_synthetic_history(
            by=None, years={year - back: factor}, note=NOTE.format(pct=round(factor * 100))
        )
    actions.do_take_snapshot(by=None, year=year, note="演示数据库当前数据")
    actions.do_refresh_items(year=year, by=None)
    return []
