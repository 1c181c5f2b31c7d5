"""The seam between the placement app and `junheng.engines.placement`.

Plain data in, plain data out (no ORM here), so it is tested without a database:

- `engine_input(members, requests, balance_extras)` turns the cohort and its together/apart
  requests into the engine's students and the exact `junheng place --students` CSV bytes whose
  SHA-256 is the placement's public input hash (so anyone holding the file re-runs the draw with
  `junheng verify --engine place` and gets the same `result_sha256`). Students appear there by
  their per-placement pseudonym (`MemberRow.pseudonym`), never by the school's code: the file
  is public once the result is published;
- `read_import(path)` reads an uploaded cohort in the engine's format;
- `late_class(...)` chooses the class of a late arrival: the smallest class without a student
  the newcomer must be kept apart from.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from junheng.engines.formats import PLACEMENT_STUDENT_COLUMNS
from junheng.engines.io import InputError, check_unique, csv_bytes, read_table, sha256_hex
from junheng.engines.placement import PlacementStudent

EXTRAS = ("migrant", "left_behind")


@dataclass(frozen=True)
class MemberRow:
    code: str
    gender: str
    score: float | None = None
    needs: bool = False
    migrant: bool = False
    left_behind: bool = False
    name: str = ""
    pseudonym: str = ""  # the id in the public files; the code only where none is given

    @property
    def file_id(self) -> str:
        return self.pseudonym or self.code


@dataclass(frozen=True)
class RequestRow:
    key: str  # a stable label, e.g. the request's id
    kind: str  # "together" or "apart"
    codes: tuple[str, ...]
    note: str = ""


@dataclass
class EngineInput:
    students: list[PlacementStudent]
    csv: bytes
    sha256: str
    together: dict[str, str] = field(default_factory=dict)  # file id -> label
    apart: dict[str, str] = field(default_factory=dict)


class RequestConflictError(ValueError):
    """Requests that cannot be given to the engine (e.g. one student in two apart requests)."""


def _score_text(score: float | None) -> str:
    # repr() round-trips a float exactly, so the CSV and the engine see the same number
    return "" if score is None else repr(float(score))


def together_labels(requests: Iterable[RequestRow], known: set[str]) -> dict[str, str]:
    """Union of together requests (a student in two requests joins both groups)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for req in requests:
        if req.kind != "together":
            continue
        codes = [c for c in req.codes if c in known]
        for c in codes[1:]:
            a, b = find(codes[0]), find(c)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    out: dict[str, str] = {}
    for root, codes in groups.items():
        if len(codes) > 1:
            for c in codes:
                out[c] = f"T-{root}"
    return out


def apart_labels(requests: Iterable[RequestRow], known: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for req in requests:
        if req.kind != "apart":
            continue
        codes = [c for c in req.codes if c in known]
        if len(codes) < 2:
            continue
        for c in codes:
            if c in out:
                raise RequestConflictError(c)
            out[c] = f"A-{req.key}"
    return out


def engine_input(
    members: Sequence[MemberRow], requests: Iterable[RequestRow], *, balance_extras: bool
) -> EngineInput:
    """The engine's students (sorted by their file id: the pseudonym) and the `junheng place`
    CSV bytes of the same. Requests name students by code; in the file they become together /
    apart labels made of pseudonyms and request keys only."""
    rows = sorted(members, key=lambda m: m.file_id)
    alias = {m.code: m.file_id for m in rows}
    reqs = [
        RequestRow(r.key, r.kind, tuple(alias[c] for c in r.codes if c in alias), r.note)
        for r in requests
    ]
    known = set(alias.values())
    tog = together_labels(reqs, known)
    apt = apart_labels(reqs, known)
    header = ["student_id", "gender", "score", "needs", "together", "apart"]
    if balance_extras:
        header += list(EXTRAS)
    students: list[PlacementStudent] = []
    lines: list[list[str]] = []
    for m in rows:
        attrs = {"migrant": m.migrant, "left_behind": m.left_behind} if balance_extras else {}
        sid = m.file_id
        students.append(
            PlacementStudent(
                student_id=sid,
                gender=m.gender,
                score=None if m.score is None else float(m.score),
                needs=m.needs,
                together=tog.get(sid, ""),
                apart=apt.get(sid, ""),
                attributes=attrs,
            )
        )
        line = [
            sid,
            m.gender,
            _score_text(m.score),
            "1" if m.needs else "0",
            tog.get(sid, ""),
            apt.get(sid, ""),
        ]
        if balance_extras:
            line += ["1" if m.migrant else "0", "1" if m.left_behind else "0"]
        lines.append(line)
    data = csv_bytes(header, lines)
    return EngineInput(students, data, sha256_hex(data), tog, apt)


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportedCohort:
    members: list[MemberRow]
    together: dict[str, list[str]]  # label -> codes (file order)
    apart: dict[str, list[str]]


def read_import(path: str | os.PathLike[str]) -> ImportedCohort:
    """A cohort file in the `junheng place --students` format (.csv or .xlsx)."""
    df = read_table(path, PLACEMENT_STUDENT_COLUMNS)
    check_unique(path, df, ["student_id"])
    flags: dict[str, list[bool]] = {}
    for name in EXTRAS:
        if name in df.columns:
            raw = df[name].astype(str).str.strip()
            bad = ~raw.isin(["0", "1", ""])
            if bad.any():
                i = int(bad.to_numpy().nonzero()[0][0])
                raise InputError(path, i + 2, name, f"expected 0 or 1, got {raw.iloc[i]!r}")
            flags[name] = (raw == "1").tolist()
    members: list[MemberRow] = []
    together: dict[str, list[str]] = {}
    apart: dict[str, list[str]] = {}
    for i, (sid, g, sc, nd, t, a) in enumerate(
        zip(
            df["student_id"],
            df["gender"],
            df["score"],
            df["needs"],
            df["together"],
            df["apart"],
            strict=True,
        )
    ):
        code = str(sid)
        score = None if isinstance(sc, float) and math.isnan(sc) else float(sc)
        members.append(
            MemberRow(
                code=code,
                gender=str(g),
                score=score,
                needs=bool(nd),
                migrant=flags.get("migrant", [False] * len(df))[i],
                left_behind=flags.get("left_behind", [False] * len(df))[i],
            )
        )
        if str(t):
            together.setdefault(str(t), []).append(code)
        if str(a):
            apart.setdefault(str(a), []).append(code)
    if not members:
        raise InputError(path, 2, "student_id", "no students in the file")
    return ImportedCohort(members, together, apart)


# --------------------------------------------------------------------------- late arrivals


def late_class(
    sizes: dict[int, int],
    same_gender: dict[int, int],
    blocked: set[int],
    *,
    seed: str,
    code: str,
) -> int:
    """The class for a late arrival: the smallest class holding nobody the newcomer must be kept
    apart from; among equally small ones the fewest of the newcomer's gender, then the public
    lottery (sha256(f"{seed}:late-{code}-{class}")). Raises ValueError if every class is blocked.

    >>> late_class({1: 30, 2: 29, 3: 29}, {1: 15, 2: 15, 3: 14}, {3}, seed="s", code="x")
    2
    """
    free = [c for c in sizes if c not in blocked]
    if not free:
        raise ValueError("every class holds a student to be kept apart")

    def key(c: int) -> tuple[int, int, str]:
        lot = hashlib.sha256(f"{seed}:late-{code}-{c}".encode()).hexdigest()
        return sizes[c], same_gender.get(c, 0), lot

    return min(free, key=key)
