"""Demo data of the balance monitor, on top of the demo county loaded by `junheng demo`.

One snapshot of the current year from the live data, and two earlier years derived from it and
labelled as such: the same schools, teachers and students, with the facility totals of town and
rural schools scaled down to what they had before the investment of the years between (rural
80% two years ago and 90% a year ago, town 90% and 95%, urban unchanged). Both are flagged
`synthetic` and say so in their note. The computable government-guarantee items are computed.
No accounts are added.
"""

from __future__ import annotations

from typing import Any

from junheng.balance import actions

# years back -> share of today's facility totals by urban/town/rural class
HISTORY = {
    2: {"urban": 1.0, "town": 0.90, "rural": 0.80},
    1: {"urban": 1.0, "town": 0.95, "rural": 0.90},
}
NOTE = (
    "合成历史数据（演示用，非真实历史）：以当前学校、教师和学生为基础，"
    "镇区学校设施总量按 {town}%、乡村学校按 {rural}% 推算，城区不变"
)


def load(ctx: Any = None) -> list[tuple[str, str, str]]:
    year = actions.current_year()
    out = getattr(ctx, "out", None)
    if out is not None:
        out.write("junheng demo: balance snapshots (current year + 2 synthetic years)…\n")
    for back, factors in sorted(HISTORY.items(), reverse=True):
        note = NOTE.format(town=round(factors["town"] * 100), rural=round(factors["rural"] * 100))
        actions.do_take_synthetic_history(by=None, years={year - back: factors}, note=note)
    actions.do_take_snapshot(by=None, year=year, note="演示数据库当前数据")
    actions.do_refresh_items(year=year, by=None)
    return []
