"""Every engine's command on varied, awkward inputs of our own (issue 13's lesson: one county is
not enough): random sizes from one row to a city's, empty lists, zero capacities, unreachable
schools, contradictory rules, ids with spaces or Chinese, a BOM and CRLF line ends.

Each case runs the real `junheng <engine>` and checks the common contract (CONTRACTS.md): exit 0
or 2 only, never a traceback; on 2 no output file; on 0 the last stdout line is the JSON summary,
`result_sha256` is the output's hash, `\\n` line ends; and the engine's own hard rules (capacity,
K, slots, sizes, head counts, distances, provider and school sessions, every pair). It writes
the cases, how many answered, how many refused as bad input (with the commonest reasons), the
longest run and any contract problem (the goal: none). Cases are drawn from a fixed seed, so a
rerun sees the same inputs. `python benchmarks/bench_fuzz.py [cases per engine]`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from fractions import Fraction
from pathlib import Path

from common import JUNHENG, write_section

PROBLEMS: list[tuple[str, int, str]] = []
REFUSALS: Counter[tuple[str, str]] = Counter()
LAST_ARGS: list[str] = []  # the command line of the case that ran last


def w(
    path: Path, header: list[str], rows: list[list[object]], r: random.Random | None = None
) -> str:
    """Write a CSV; now and then as a spreadsheet saves it (BOM, CRLF)."""
    odd = r is not None and r.random() < 0.15
    with open(path, "w", newline="", encoding="utf-8-sig" if odd else "utf-8") as f:
        c = csv.writer(f, lineterminator="\r\n" if odd else "\n")
        c.writerow(header)
        c.writerows(rows)
    return str(path)


def rd(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run(
    args: list[str], d: Path, limit: int = 600
) -> tuple[subprocess.CompletedProcess[str], float]:
    LAST_ARGS[:] = args
    t = time.perf_counter()
    p = subprocess.run(
        [JUNHENG, *args], capture_output=True, text=True, timeout=limit, cwd=d, check=False
    )
    return p, time.perf_counter() - t


def bad(engine: str, case: int, msg: str, d: Path) -> None:
    PROBLEMS.append((engine, case, msg))
    print(f"!! {engine} {case}: {msg} [{d}]", file=sys.stderr, flush=True)


def check_common(
    engine: str, case: int, p: subprocess.CompletedProcess[str], d: Path, out: Path
) -> dict | None:
    if p.returncode not in (0, 2) or "Traceback" in p.stderr:
        bad(engine, case, f"rc={p.returncode}: {p.stderr[-400:]}", d)
        return None
    if p.returncode == 2:
        reason = (p.stderr.strip().splitlines() or [""])[-1]
        reason = reason.split(": error: ", 1)[-1]
        REFUSALS[
            (engine, " ".join(t for t in reason.split() if not any(ch.isdigit() for ch in t))[:90])
        ] += 1
        if out.exists():
            bad(engine, case, "exit 2 but the output file was written", d)
        return None
    try:
        s = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        bad(engine, case, f"last stdout line is not JSON: {p.stdout[-200:]}", d)
        return None
    data = out.read_bytes()
    if s.get("result_sha256") != hashlib.sha256(data).hexdigest():
        bad(engine, case, "result_sha256 is not the output's hash", d)
    if b"\r\n" in data:
        bad(engine, case, "CRLF in the output", d)
    return s


def ident(r, prefix, i):
    style = r.choice(["plain", "plain", "zero", "unicode", "space"])
    if style == "plain":
        return f"{prefix}{i}"
    if style == "zero":
        return f"{i:05d}"
    if style == "unicode":
        return f"学{prefix}{i}"
    return f"{prefix} {i}"


def fuzz_allocate(r, case, d):
    n_off = r.choice([1, 2, 5, 30, 300])
    n_st = r.choice([0, 1, 3, 50, 2000, 20000])
    k_courses = r.choice([1, 1, 2, 3])
    method = (
        r.choice(["da", "draft", "max-welfare", None])
        if k_courses == 1
        else r.choice(["draft", "max-welfare", None])
    )
    if method == "max-welfare" and n_st > 3000:
        n_st = 3000
    offs = [f"O{i}" for i in range(n_off)]
    slots = {o: r.choice(["", "mon-1", "tue-1", "wed-2"]) if r.random() < 0.7 else "" for o in offs}
    caps = {o: r.choice([0, 1, 2, 5, 30, 1000]) for o in offs}
    sid_style = r.choice(["S", "学生"])
    st = [f"{sid_style}{i}" for i in range(n_st)]
    w(d / "off.csv", ["offering_id", "capacity", "slot"], [[o, caps[o], slots[o]] for o in offs], r)
    rows = []
    for s in st:
        k = r.choice([0, 1, 2, 3, 5, min(8, n_off)])
        k = min(k, n_off)
        for rank, o in enumerate(r.sample(offs, k), 1):
            rows.append([s, rank, o])
    r.shuffle(rows)
    w(d / "ch.csv", ["student_id", "rank", "offering_id"], rows, r)
    args = [
        "allocate",
        "--offerings",
        "off.csv",
        "--choices",
        "ch.csv",
        "--seed",
        r.choice(["x", "种子", "", " 1 "]),
        "--max-courses",
        str(k_courses),
        "--out",
        "out.csv",
        "--waitlist",
        "wl.csv",
    ]
    if method:
        args += ["--method", method]
    if r.random() < 0.6:
        w(d / "st.csv", ["student_id", "priority"], [[s, r.choice([0, 0, 1, 2])] for s in st], r)
        args += ["--students", "st.csv"]
    p, el = run(args, d)
    s = check_common("allocate", case, p, d, d / "out.csv")
    if s is None:
        return el
    out = rd(d / "out.csv")
    ch = {(x[0], x[2]): int(x[1]) for x in rows}
    used = {}
    per = {}
    for row in out:
        used[row["offering_id"]] = used.get(row["offering_id"], 0) + 1
        per.setdefault(row["student_id"], []).append(row)
        if ch.get((row["student_id"], row["offering_id"])) != int(row["rank"]):
            bad("allocate", case, f"assigned not chosen/rank wrong {row}", d)
            break
    for o, n in used.items():
        if n > caps[o]:
            bad("allocate", case, f"capacity exceeded {o} {n}>{caps[o]}", d)
            break
    for sid, lst in per.items():
        if len(lst) > k_courses:
            bad("allocate", case, f"more than k_courses for {sid}", d)
            break
        sl = [slots[x["offering_id"]] for x in lst if slots[x["offering_id"]]]
        if len(sl) != len(set(sl)):
            bad("allocate", case, f"slot clash {sid}", d)
            break
    keys = [(x["student_id"], int(x["rank"])) for x in out]
    if keys != sorted(keys):
        bad("allocate", case, "out not sorted by student_id then rank", d)
    if s.get("seats") != sum(caps.values()):
        bad("allocate", case, f"seats {s.get('seats')} != {sum(caps.values())}", d)
    if s.get("assigned") != len(per) and s.get("assigned") != len(out):
        bad(
            "allocate",
            case,
            f"assigned mismatch {s.get('assigned')} vs {len(per)} students/{len(out)} rows",
            d,
        )
    # same seed same bytes
    if case % 5 == 0:
        b1 = (d / "out.csv").read_bytes()
        p2, _ = run(args, d)
        if (d / "out.csv").read_bytes() != b1:
            bad("allocate", case, "not deterministic", d)
    return el


def fuzz_place(r, case, d):
    n = r.choice([1, 2, 3, 7, 40, 300, 5000])
    n_classes = r.choice([1, 2, 3, 4, 10, 30])
    if n < n_classes:
        n_classes = max(1, n) if r.random() < 0.5 else n_classes
    rows = []
    decimals = r.choice([0, 1, 2])
    blanks = r.random() < 0.1  # now and then one missing score (an input error)
    for i in range(n):
        g = r.choice(["F", "M"]) if r.random() < 0.9 else r.choice(["F", "F", "M"])
        sc = "" if blanks and i == n // 2 else round(r.gauss(80, 12), decimals)
        rows.append([f"P{i:04d}", g, sc, int(r.random() < 0.08), "", ""])
    # together / apart groups
    for gi in range(r.choice([0, 0, 1, 5])):
        k = r.choice([2, 3])
        for i in r.sample(range(n), min(k, n)):
            if not rows[i][4] and not rows[i][5]:
                rows[i][4] = f"T{gi}"
    for gi in range(r.choice([0, 0, 1, 5])):
        k = r.choice([2, min(n_classes, 4)])
        for i in r.sample(range(n), min(k, n)):
            if not rows[i][4] and not rows[i][5]:
                rows[i][5] = f"A{gi}"
    w(d / "st.csv", ["student_id", "gender", "score", "needs", "together", "apart"], rows, r)
    method = r.choice(["balanced", "balanced", "snake", "random"])
    args = [
        "place",
        "--students",
        "st.csv",
        "--classes",
        str(n_classes),
        "--seed",
        "s",
        "--method",
        method,
        "--out",
        "out.csv",
    ]
    p, el = run(args, d)
    s = check_common("place", case, p, d, d / "out.csv")
    if s is None:
        return el
    out = rd(d / "out.csv")
    if len(out) != n:
        bad("place", case, "not every student placed", d)
    cls = {}
    for row in out:
        cls.setdefault(int(row["class"]), []).append(row["student_id"])
    sizes = [len(cls.get(c, [])) for c in range(1, n_classes + 1)]
    if set(cls) - set(range(1, n_classes + 1)):
        bad("place", case, "class outside 1..n_classes", d)
    if max(sizes) - min(sizes) > 1:
        bad("place", case, f"sizes {min(sizes)}..{max(sizes)}", d)
    if s.get("violations") != 0:
        bad("place", case, f"violations {s.get('violations')}", d)
    return el


def fuzz_quotas(r, case, d):
    nh = r.choice([1, 2, 5, 40])
    nj = r.choice([1, 2, 3, 30, 600])
    hs = [[f"H{i}", r.choice([0, 1, 7, 333, 1000, 4001])] for i in range(nh)]
    js = [[ident(r, "J", i), r.choice([0, 0, 1, 5, 80, 400, 1200])] for i in range(nj)]
    if len({j[0] for j in js}) != nj:
        js = [[f"J{i}", j[1]] for i, j in enumerate(js)]
    w(d / "hs.csv", ["high_school_id", "plan"], hs, r)
    w(d / "js.csv", ["junior_id", "graduates"], js)
    share = r.choice(["0.6", "0.6", "0.5", "1", "0.333", "0"])
    m = r.choice(["hamilton", "sainte-lague", "dhondt"])
    ms = r.choice([0, 0, 1, 3])
    args = [
        "quotas",
        "--high-schools",
        "hs.csv",
        "--juniors",
        "js.csv",
        "--share",
        share,
        "--method",
        m,
        "--min-seats",
        str(ms),
        "--out",
        "out.csv",
    ]
    p, el = run(args, d)
    s = check_common("quotas", case, p, d, d / "out.csv")
    if s is None:
        return el
    out = rd(d / "out.csv")
    if len(out) != nh * nj:
        bad("quotas", case, f"rows {len(out)} != {nh * nj}", d)

    for h, plan in hs:
        q = math.ceil(Fraction(plan) * Fraction(share))
        got = sum(int(x["seats"]) for x in out if x["high_school_id"] == h)
        tot_g = sum(j[1] for j in js)
        if tot_g > 0 and got != q and ms == 0:
            bad("quotas", case, f"{h} seats {got} != quota {q}", d)
            break
    keys = [(x["high_school_id"], x["junior_id"]) for x in out]
    if keys != sorted(keys):
        bad("quotas", case, "not sorted", d)
    return el


def geo(r, n, spread):
    return [(round(r.uniform(0, spread), 3), round(r.uniform(0, spread), 3)) for _ in range(n)]


def fuzz_rotate(r, case, d):
    ns = r.choice([2, 3, 6, 20, 60, 150])
    per = r.choice([3, 8, 25, 60])
    spread = r.choice([5, 30, 80])
    xy = geo(r, ns, spread)
    subjects = r.choice(
        [
            ["语文"],
            ["语文", "数学", "英语"],
            ["语文", "数学", "英语", "科学", "体育", "音乐", "美术"],
        ]
    )
    sch = []
    for i in range(ns):
        sch.append(
            [
                f"SC{i}",
                r.choice(["primary", "junior"]) if r.random() < 0.8 else "primary",
                r.choice(["urban", "town", "rural"]),
                r.choice([30, 200, 900, 2500]),
                *xy[i],
            ]
        )
    w(d / "sch.csv", ["school_id", "level", "urban_rural", "students", "x_km", "y_km"], sch, r)
    te = []
    tid = 0
    for s in sch:
        k = max(1, int(r.gauss(per, per / 3)))
        for _ in range(k):
            prefs = [x[0] for x in r.sample(sch, min(3, ns))] if r.random() < 0.4 else []
            prefs += [""] * (3 - len(prefs))
            te.append(
                [
                    f"T{tid:05d}",
                    s[0],
                    r.choice(subjects),
                    r.choice([0, 2, 6, 7, 12, 30]),
                    r.choice([24, 35, 50, 57, 59]),
                    int(r.random() < 0.2),
                    int(r.random() < 0.8),
                    *prefs[:3],
                    r.choice(["F", "M"]),
                ]
            )
            tid += 1
    w(
        d / "te.csv",
        [
            "teacher_id",
            "school_id",
            "subject",
            "years_at_school",
            "age",
            "backbone",
            "qualified",
            "pref1",
            "pref2",
            "pref3",
            "gender",
        ],
        te,
        r,
    )
    needs = []
    for s in sch:
        for sub in subjects:
            if r.random() < 0.3:
                have = sum(1 for t in te if t[1] == s[0] and t[2] == sub)
                needs.append([s[0], sub, max(0, have + r.choice([-3, -1, -1, 0, 0, 0, 1]))])
    w(d / "needs.csv", ["school_id", "subject", "required"], needs, r)
    args = [
        "rotate",
        "--schools",
        "sch.csv",
        "--teachers",
        "te.csv",
        "--needs",
        "needs.csv",
        "--out",
        "out.csv",
        "--seed",
        "x",
        "--share",
        r.choice(["0.1", "0.1", "0.3", "0"]),
        "--max-km",
        r.choice(["30", "10", "100", "3"]),
    ]
    if r.random() < 0.3:
        args += ["--any-level"]
    p, el = run(args, d, limit=300)
    s = check_common("rotate", case, p, d, d / "out.csv")
    if s is None:
        return el
    out = rd(d / "out.csv")
    bal = {}
    for x in out:
        bal[x["from_school"]] = bal.get(x["from_school"], 0) - 1
        bal[x["to_school"]] = bal.get(x["to_school"], 0) + 1
    if any(v != 0 for v in bal.values()):
        bad("rotate", case, "head count not kept", d)
    return el


def fuzz_supply(r, case, d):
    ns = r.choice([1, 3, 20, 120, 400])
    npv = r.choice([1, 3, 15, 60])
    nc = r.choice([1, 5, 40, 200])
    spread = r.choice([5, 40, 100])
    sch = [
        [
            f"S{i}",
            r.choice(["urban", "town", "rural"]),
            r.choice([20, 300, 1500, 3000]),
            *geo(r, 1, spread)[0],
            r.choice([0, 1, 2, 5, 10]),
        ]
        for i in range(ns)
    ]
    pv = [[f"P{i}", r.choice([0, 1, 4, 10, 40])] for i in range(npv)]
    cs = [
        [
            f"C{i}",
            r.choice(pv)[0],
            r.choice(["arts", "sports", "science", "科技"]),
            r.choice([1, 10, 25, 40]),
            r.choice([1, 2, 3]),
            r.choice([0, 5, 20, 200]),
            *geo(r, 1, spread)[0],
        ]
        for i in range(nc)
    ]
    w(d / "sch.csv", ["school_id", "urban_rural", "students", "x_km", "y_km", "slots"], sch, r)
    w(d / "pv.csv", ["provider_id", "weekly_sessions"], pv)
    w(
        d / "cs.csv",
        [
            "course_id",
            "provider_id",
            "category",
            "seats",
            "sessions_per_week",
            "max_km",
            "x_km",
            "y_km",
        ],
        cs,
        r,
    )
    args = [
        "supply",
        "--providers",
        "pv.csv",
        "--courses",
        "cs.csv",
        "--schools",
        "sch.csv",
        "--target",
        r.choice(["10", "5", "50"]),
        "--out",
        "out.csv",
    ]
    p, el = run(args, d, limit=400)
    s = check_common("supply", case, p, d, d / "out.csv")
    if s is None:
        return el
    if s.get("violations"):
        bad("supply", case, f"violations {s['violations']}", d)
    out = rd(d / "out.csv")
    cmap = {c[0]: c for c in cs}
    smap = {x[0]: x for x in sch}
    used_p = {}
    used_s = {}
    for x in out:
        c = cmap[x["course_id"]]
        sc = smap[x["school_id"]]
        k = int(x["sections"])
        used_p[c[1]] = used_p.get(c[1], 0) + k * c[4]
        used_s[sc[0]] = used_s.get(sc[0], 0) + k * c[4]
        if math.dist(c[6:8], sc[3:5]) > c[5] + 1e-9:
            bad("supply", case, f"too far {x}", d)
            break
    for pid, u in used_p.items():
        if u > dict(pv)[pid]:
            bad("supply", case, f"provider over {pid}", d)
            break
    for sid, u in used_s.items():
        if u > smap[sid][5]:
            bad("supply", case, f"school slots over {sid} {u}>{smap[sid][5]}", d)
            break
    return el


def fuzz_pair(r, case, d):
    n = r.choice([1, 2, 5, 30, 200, 800])
    spread = r.choice([10, 40, 200])
    rows = []
    for i in range(n):
        rows.append(
            [
                f"S{i}",
                r.choice(["primary", "junior", "nine_year"]),
                r.choice(["urban", "town", "rural"]),
                r.choice([50, 500, 2000]),
                *geo(r, 1, spread)[0],
                round(r.uniform(0, 100), r.choice([0, 2])),
                "core" if r.random() < 0.3 else "member",
                r.choice(["", "", "1", "0", "5"]),
                r.choice(["", "", "东区", "西区"]),
            ]
        )
    w(
        d / "sch.csv",
        [
            "school_id",
            "level",
            "urban_rural",
            "students",
            "x_km",
            "y_km",
            "strength",
            "role",
            "capacity",
            "region",
        ],
        rows,
        r,
    )
    args = [
        "pair",
        "--schools",
        "sch.csv",
        "--capacity",
        r.choice(["3", "1", "0"]),
        "--max-km",
        r.choice(["20", "5", "100"]),
        "--remote",
        r.choice(["0", "0", "2"]),
        "--out",
        "out.csv",
    ]
    p, el = run(args, d, limit=300)
    s = check_common("pair", case, p, d, d / "out.csv")
    if s is None:
        return el
    if s.get("violations"):
        bad("pair", case, f"violations {s['violations']}", d)
    return el


def fuzz_forecast(r, case, d):
    ns = r.choice([1, 3, 50, 600])
    years = r.choice([2, 3, 6])
    rows = []
    births = []
    cap = []
    for i in range(ns):
        sid = f"S{i}"
        lo, hi = r.choice([(1, 6), (7, 9), (1, 9), (3, 6)])
        y0 = 2020
        for y in range(y0, y0 + years):
            for g in range(lo, hi + 1):
                rows.append(
                    [sid, y, g, r.choice([0, 0, 5, 40, 120, 300]) if r.random() < 0.9 else 0]
                )
        if r.random() < 0.5:
            for y in range(y0 - 8, y0 + years):
                births.append([sid, y, r.choice([0, 50, 200])])
        cap.append([sid, r.choice([1, 6, 30]) if r.random() < 0.97 else 0, r.choice([30, 45])])
    w(d / "en.csv", ["school_id", "year", "grade", "students"], rows, r)
    args = [
        "forecast",
        "--enrolment",
        "en.csv",
        "--out",
        "out.csv",
        "--years",
        r.choice(["1", "6", "10"]),
        "--history",
        r.choice(["1", "3", "5"]),
    ]
    if births and r.random() < 0.7:
        w(d / "bi.csv", ["school_id", "year", "births"], births, r)
        args += ["--births", "bi.csv"]
    if r.random() < 0.7:
        w(d / "cap.csv", ["school_id", "classrooms", "max_class"], cap, r)
        args += ["--capacity", "cap.csv", "--warnings", "wa.csv"]
    p, el = run(args, d)
    s = check_common("forecast", case, p, d, d / "out.csv")
    if s is None:
        return el
    return el


def fuzz_balance(r, case, d):
    n = r.choice([1, 2, 5, 60, 700])
    rows = []
    for i in range(n):
        st = (
            r.choice([0, 10, 49, 50, 300, 2000])
            if r.random() < 0.005
            else r.choice([10, 49, 50, 300, 2000])
        )
        rows.append(
            [
                f"S{i}",
                r.choice(["primary", "junior"]),
                st,
                r.choice([0, 5, 30, 100]),
                r.choice([0, 1, 5]),
                r.choice([0, 2, 9]),
                r.choice([0, 900, 9000]),
                r.choice([0, 1500, 20000]),
                r.choice([0, 1e5, 5e6]),
                r.choice([0, 3, 40]),
                r.choice(["", "0", "1"]),
            ]
        )
    w(
        d / "b.csv",
        [
            "school_id",
            "level",
            "students",
            "qualified_teachers",
            "backbone_teachers",
            "pe_art_teachers",
            "teaching_room_m2",
            "sports_field_m2",
            "equipment_yuan",
            "multimedia_classrooms",
            "teaching_point",
        ],
        rows,
        r,
    )
    p, el = run(["balance", "--schools", "b.csv", "--out", "out.csv"], d)
    s = check_common("balance", case, p, d, d / "out.csv")
    if s is None:
        return el
    json.dumps(s, allow_nan=False)
    return el


ENGINES = {
    "allocate": fuzz_allocate,
    "place": fuzz_place,
    "quotas": fuzz_quotas,
    "rotate": fuzz_rotate,
    "supply": fuzz_supply,
    "pair": fuzz_pair,
    "forecast": fuzz_forecast,
    "balance": fuzz_balance,
}
# The solver engines' cases are the slow ones: fewer of them.
CASES = {"rotate": 12, "supply": 12}


def main(cases: int = 25) -> None:
    rows = []
    work = Path(tempfile.mkdtemp(prefix="junheng-fuzz-"))
    try:
        for engine, fuzz in ENGINES.items():
            r = random.Random(f"bench-fuzz:{engine}")
            n = min(cases, CASES.get(engine, cases))
            times: list[float] = []
            longest = ""
            answered = refused = 0
            before = len(PROBLEMS)
            for case in range(n):
                d = work / engine / str(case)
                d.mkdir(parents=True)
                try:
                    el = fuzz(r, case, d)
                except subprocess.TimeoutExpired:
                    bad(engine, case, "no answer in 600 s", d)
                    el = 600.0
                except Exception:  # noqa: BLE001 (a fault of this script, reported)
                    bad(engine, case, "bench crash " + traceback.format_exc()[-300:], d)
                    el = 0.0
                if not times or el > max(times):
                    sizes = {
                        f.name: sum(1 for _ in f.open(encoding="utf-8-sig")) - 1
                        for f in sorted(d.glob("*.csv"))
                        if f.name not in ("out.csv", "wl.csv", "wa.csv")
                    }
                    options = [a for a in LAST_ARGS if a.startswith("--") or not a.endswith(".csv")]
                    longest = (
                        " ".join(f"{k} {v} rows" for k, v in sizes.items())
                        + "; "
                        + " ".join(options[1:])
                    )
                times.append(el)
                if (d / "out.csv").exists():
                    answered += 1
                else:
                    refused += 1
            top = [f"{reason} ({k})" for (e, reason), k in REFUSALS.most_common() if e == engine][
                :2
            ]
            rows.append(
                f"| `{engine}` | {n} | {answered} | {refused} | {max(times):.1f} | "
                f"{len(PROBLEMS) - before} | {'; '.join(top) or '—'} | {longest} |"
            )
            print(f"{engine}: {n} cases, max {max(times):.1f} s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    body = (
        "`python benchmarks/bench_fuzz.py` — each engine's command on cases drawn from a fixed "
        "seed: sizes from one row to thousands, empty and zero rows, unreachable schools, "
        "contradictory rules, ids with spaces or Chinese, files saved with a BOM and CRLF. "
        "*Answered*: exit 0 with every contract check passed on the output (hash, line ends, "
        "the engine's hard rules); *refused*: exit 2, bad input named (file, row, column) and no "
        "file written; *problems*: anything else (a traceback, another exit status, a broken "
        "rule, a wrong hash) — the goal is none. Wall seconds on the shared machine.\n\n"
        "| engine | cases | answered | refused | longest s | problems | commonest refusals | longest case |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    for engine, case, msg in PROBLEMS:
        body += f"\n- problem: {engine} case {case}: {msg[:200]}"
    write_section("fuzz", "Engines on awkward inputs (contract checks)", body)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
