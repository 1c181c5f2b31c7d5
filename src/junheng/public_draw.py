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

The seed rule itself is the engine's (`junheng.engines.lottery.final_seed`).
"""

from __future__ import annotations

import secrets
import shlex
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from junheng.engines.lottery import normalize_entropy
from junheng.errors import DomainError

# Crockford's base 32: digits and capitals without I, L, O, U (nothing to misread on a phone).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ENTROPY_MAX = 200


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


def clean_entropy(text: str, *, error: type[DomainError] = DomainError) -> str:
    """The entropy as it will be used and published; `error` (the app's DomainError subclass)
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
