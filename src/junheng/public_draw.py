"""What the after-school draws and the class-placement draws share on the platform's side.

- **Pseudonyms** (化名编号): a public draw's files never carry the school's student codes. Each
  child gets a random pseudonym per draw (`new_pseudonym`, from `secrets`), stored privately
  with the ranking or the placement member; two draws give the same child unrelated
  pseudonyms, and a pseudonym says nothing about the code. The family sees its own child's
  pseudonym on the receipt and the result page, so it can find its row in the public files.
- **Entropy** entered at the draw (`clean_entropy`): the public numbers of the ceremony, stored
  normalised (`junheng.engines.lottery.normalize_entropy`) and shown exactly as used.
- **The verify command** printed on the public pages (`verify_command`): every value quoted
  for a POSIX shell, so copying it re-runs the draw.
- **The draw's summary as people read it** (`summary_rows`): the allocation engine's summary
  keys (`AllocationResult.summary`) with their labels, in one table (`SUMMARY_LABELS`) that
  every page showing a draw's summary uses; the hashes shown elsewhere on the page are left
  out, and the share of children given a seat is added as a rate.

The seed rule itself is the engine's (`junheng.engines.lottery.final_seed`).
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from junheng.engines.lottery import normalize_entropy
from junheng.errors import ActionError
from junheng.formats import percent

# Crockford's base 32: digits and capitals without I, L, O, U (nothing to misread on a phone).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ENTROPY_MAX = 200

# The after-school draw's summary keys (junheng.engines.allocation.AllocationResult.summary), in
# the order they are shown. The hashes are shown on their own rows of the public page.
SUMMARY_LABELS: dict[str, Promise] = {
    "students": gettext_lazy("参加摇号的学生"),
    "assigned": gettext_lazy("录取学生"),
    "unassigned": gettext_lazy("未录取学生"),
    "first_choice": gettext_lazy("录取到第一志愿"),
    "seats": gettext_lazy("座位"),
    "seats_filled": gettext_lazy("已录取座位"),
    "welfare": gettext_lazy("志愿满意度合计（第 1 志愿得分最高）"),
}
SUMMARY_HIDDEN = frozenset({"result_sha256", "seed_commitment"})


def new_pseudonym() -> str:
    """A random pseudonym such as '7KQ2-M9XD' (40 random bits)."""
    s = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{s[:4]}-{s[4:]}"


def unique_pseudonyms(n: int, taken: Iterable[str] = ()) -> list[str]:
    """`n` fresh pseudonyms, distinct from each other and from `taken`."""
    seen = set(taken)
    out: list[str] = []
    while len(out) < n:
        p = new_pseudonym()
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def clean_entropy(text: str, *, error: type[ActionError] = ActionError) -> str:
    """The entropy as it will be used and published; `error` (the app's ActionError subclass)
    when there is none or too much."""
    value = normalize_entropy(text or "")
    if not value:
        raise error(_("请录入抽签现场的公开随机数（监督人报出的数字或公开来源读取的数字）。"))
    if len(value) > ENTROPY_MAX:
        raise error(_("公开随机数最长 %(n)d 个字符。") % {"n": ENTROPY_MAX})
    return value


def verify_command(options: Sequence[tuple[str, str | int | None]]) -> str:
    """`junheng verify` with the given options, in order, each value shell-quoted."""
    words = ["junheng", "verify"]
    for name, value in options:
        if value is None:
            continue
        words += [name, shlex.quote(str(value))]
    return " ".join(words)


def summary_rows(summary: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The draw summary as (label, value) rows: the labelled keys in SUMMARY_LABELS order,
    then the share of children given a seat (a rate, shown as a percentage by the page); a
    key without a label (an older draw's) keeps its place at the end under its name."""
    rows: list[tuple[str, Any]] = [
        (str(label), summary[key]) for key, label in SUMMARY_LABELS.items() if key in summary
    ]
    students, assigned = summary.get("students"), summary.get("assigned")
    if isinstance(students, int) and isinstance(assigned, int) and students > 0:
        rows.append((_("录取率"), percent(assigned / students)))
    rows += [
        (key, value)
        for key, value in summary.items()
        if key not in SUMMARY_LABELS and key not in SUMMARY_HIDDEN
    ]
    return rows
