"""The after-school course market and the high schools of a synthetic region.

Providers (校外机构) cluster in the urban centres, a few sit in towns; their courses travel a
limited distance (`max_km`), so far rural schools are reachable by few of them — the gap the
balanced-supply engine is there to close. Offerings are courses placed at schools in weekly
slots (mon-1 … fri-2); about 60% of students rank up to five offerings of their own school,
drawn by popularity, so popular courses are oversubscribed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.synth.names import BRAND_A, BRAND_B, cn_number, unique_pairs
from junheng.synth.profiles import Profile
from junheng.synth.region import rng_for

CATEGORIES: dict[str, tuple[float, str, tuple[str, ...]]] = {
    # id: (share of providers, provider kind, course items)
    "art": (0.20, "美术工作室", ("国画", "书法", "素描", "儿童画", "陶艺", "剪纸", "版画", "手工")),
    "music": (
        0.15,
        "艺术培训中心",
        ("合唱", "古筝", "葫芦丝", "小提琴", "非洲鼓", "竖笛", "民族舞", "街舞"),
    ),
    "sports": (
        0.27,
        "体育俱乐部",
        ("篮球", "足球", "乒乓球", "羽毛球", "跆拳道", "武术", "田径", "轮滑", "跳绳", "排球"),
    ),
    "stem": (
        0.20,
        "科技教育中心",
        ("编程", "机器人", "科学实验", "航模", "3D打印", "无人机", "天文", "创客"),
    ),
    "culture": (
        0.12,
        "文化传播中心",
        ("围棋", "国际象棋", "演讲与口才", "阅读", "戏剧表演", "茶艺", "越剧"),
    ),
    "labour": (0.06, "劳动实践基地", ("烹饪", "园艺种植", "木工", "竹编", "缝纫")),
}
CATEGORY_POPULARITY = {
    "art": 1.0,
    "music": 0.9,
    "sports": 1.3,
    "stem": 1.4,
    "culture": 0.8,
    "labour": 0.6,
}
SEATS = {
    "art": (12, 25),
    "music": (15, 30),
    "sports": (20, 36),
    "stem": (15, 25),
    "culture": (15, 30),
    "labour": (12, 20),
}
GRADE_BANDS = ((1, 3), (1, 6), (3, 6), (4, 9), (7, 9), (1, 9))
GRADE_BAND_P = (0.2, 0.3, 0.2, 0.1, 0.12, 0.08)
MAX_KM = (5, 10, 15, 20, 30)
MAX_KM_P = (0.2, 0.3, 0.25, 0.15, 0.1)
SLOTS = tuple(f"{d}-{k}" for d in ("mon", "tue", "wed", "thu", "fri") for k in (1, 2))
CHOOSE_SHARE = 0.6
LIST_LENGTH_P = (0.10, 0.15, 0.25, 0.25, 0.25)  # 1..5 choices


def make_providers(
    p: Profile, schools: pd.DataFrame, towns: pd.DataFrame, seed: str
) -> pd.DataFrame:
    rng = rng_for(seed, "providers")
    n = p.providers
    urban_students = np.array(
        [
            schools.students[(schools.cluster == ci) & (schools.urban_rural == "urban")].sum()
            for ci in range(len(p.clusters))
        ],
        dtype=np.float64,
    )
    in_town = rng.random(n) < 0.22
    cluster = rng.choice(len(p.clusters), n, p=urban_students / urban_students.sum())
    cx = np.array([c.cx for c in p.clusters])[cluster]
    cy = np.array([c.cy for c in p.clusters])[cluster]
    core = np.array([c.core_km for c in p.clusters])[cluster]
    x = cx + rng.normal(0.0, 1.0, n) * core * 0.8
    y = cy + rng.normal(0.0, 1.0, n) * core * 0.8
    town = rng.integers(0, len(towns), n)
    x = np.where(in_town, towns.x_km.to_numpy()[town] + rng.normal(0.0, 1.0, n), x)
    y = np.where(in_town, towns.y_km.to_numpy()[town] + rng.normal(0.0, 1.0, n), y)
    cats = list(CATEGORIES)
    share = np.array([CATEGORIES[c][0] for c in cats])
    category = np.array(cats, dtype=object)[rng.choice(len(cats), n, p=share / share.sum())]
    brands = unique_pairs(rng, BRAND_A, BRAND_B, n)
    place = np.where(
        in_town,
        towns.name.to_numpy()[town],
        np.array([c.name for c in p.clusters], dtype=object)[cluster],
    )
    kind = np.array([CATEGORIES[c][1] for c in category], dtype=object)
    weekly = np.clip(np.round(rng.lognormal(np.log(9.0), 0.5, n)), 3, 40).astype(np.int64)
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "provider_id": [f"V{i + 1:0{width}d}" for i in range(n)],
            "name": place + np.array(brands, dtype=object) + kind,
            "category": category,
            "weekly_sessions": weekly,
            "x_km": np.round(np.maximum(x, 0.0), 2),
            "y_km": np.round(np.maximum(y, 0.0), 2),
        }
    )


def make_courses(p: Profile, providers: pd.DataFrame, seed: str) -> pd.DataFrame:
    rng = rng_for(seed, "courses")
    n_p = len(providers)
    extra = rng.multinomial(
        p.courses - n_p, providers.weekly_sessions / providers.weekly_sessions.sum()
    )
    per = 1 + extra
    prov = np.repeat(np.arange(n_p), per)
    n = len(prov)
    cats = list(CATEGORIES)
    own = providers.category.to_numpy()[prov]
    other = np.array(cats, dtype=object)[rng.integers(0, len(cats), n)]
    category = np.where(rng.random(n) < 0.8, own, other)
    names = np.empty(n, dtype=object)
    seats = np.empty(n, dtype=np.int64)
    popularity = np.empty(n, dtype=np.float64)
    for c in cats:
        m = category == c
        k = int(m.sum())
        items = np.array(CATEGORIES[c][2], dtype=object)
        names[m] = items[rng.integers(0, len(items), k)]
        lo, hi = SEATS[c]
        seats[m] = rng.integers(lo, hi + 1, k)
        popularity[m] = CATEGORY_POPULARITY[c]
    level = np.array(["", "（初级）", "（提高）"], dtype=object)[
        rng.choice(3, n, p=(0.6, 0.25, 0.15))
    ]
    band = rng.choice(len(GRADE_BANDS), n, p=GRADE_BAND_P)
    popularity = popularity * rng.lognormal(0.0, 0.8, n)
    width = max(4, len(str(n)))
    return pd.DataFrame(
        {
            "course_id": [f"C{i + 1:0{width}d}" for i in range(n)],
            "provider_id": providers.provider_id.to_numpy()[prov],
            "name": names + level,
            "category": category,
            "seats": seats,
            "sessions_per_week": np.where(rng.random(n) < 0.7, 1, 2),
            "max_km": np.array(MAX_KM)[rng.choice(len(MAX_KM), n, p=MAX_KM_P)],
            "x_km": providers.x_km.to_numpy()[prov],
            "y_km": providers.y_km.to_numpy()[prov],
            "grade_min": np.array([b[0] for b in GRADE_BANDS])[band],
            "grade_max": np.array([b[1] for b in GRADE_BANDS])[band],
            "popularity": np.round(popularity, 3),
        }
    )


def make_offerings(
    schools: pd.DataFrame,
    courses: pd.DataFrame,
    grades: dict[int, tuple[int, int]],
    seed: str,
    weekly_sessions: npt.NDArray[np.int64] | None = None,
    course_provider: npt.NDArray[np.int64] | None = None,
) -> pd.DataFrame:
    """Courses placed at schools (reachable ones first), each in a weekly slot.

    Today's unplanned market: providers serve urban schools first, then town, then rural ones,
    until their instructors' weekly sessions run out (when `weekly_sessions` per provider and
    `course_provider` per course are given). So rural schools start with fewer seats per 100
    students, which is the gap the supply planner closes.
    """
    rng = rng_for(seed, "offerings")
    sx, sy = schools.x_km.to_numpy(), schools.y_km.to_numpy()
    cx, cy = courses.x_km.to_numpy(), courses.y_km.to_numpy()
    max_km = courses.max_km.to_numpy()
    pop = courses.popularity.to_numpy()
    gmin, gmax = courses.grade_min.to_numpy(), courses.grade_max.to_numpy()
    seats = courses.seats.to_numpy()
    spw = courses.sessions_per_week.to_numpy()
    remaining = None if weekly_sessions is None else weekly_sessions.astype(np.int64).copy()
    ur_rank = {"urban": 0, "town": 1, "rural": 2}
    serve_order = sorted(
        range(len(schools)), key=lambda i: (ur_rank.get(schools.urban_rural.iat[i], 3), i)
    )
    picked: dict[int, npt.NDArray[np.int64]] = {}
    for si in serve_order:
        lo, hi = grades[si]
        fits = (gmin <= hi) & (gmax >= lo)
        d = np.hypot(cx - sx[si], cy - sy[si])
        reach = fits & (d <= max_km)
        want = int(np.clip(round(schools.students.iat[si] * 0.15 / 22), 1, 60))
        key = np.log(pop) + rng.gumbel(size=len(pop))
        ranked = np.flatnonzero(reach)
        ranked = ranked[np.argsort(-key[ranked], kind="stable")]
        if remaining is None or course_provider is None:
            chosen = ranked[:want]
            if len(chosen) < 3:
                # the bureau arranges a few courses even where nobody reaches on their own
                near = np.flatnonzero(fits & ~reach)
                near = near[np.argsort(d[near], kind="stable")][: 3 - len(chosen)]
                chosen = np.concatenate([chosen, near])
        else:
            take: list[int] = []
            for ci in ranked:
                pi = course_provider[ci]
                if remaining[pi] >= spw[ci]:
                    remaining[pi] -= spw[ci]
                    take.append(int(ci))
                    if len(take) == want:
                        break
            chosen = np.array(take, dtype=np.int64)
        picked[si] = rng.permutation(chosen)
    out_school = [np.full(len(picked[si]), si, dtype=np.int64) for si in range(len(schools))]
    out_course = [picked[si].astype(np.int64) for si in range(len(schools))]
    school = np.concatenate(out_school)
    course = np.concatenate(out_course)
    first = (
        np.r_[0, np.flatnonzero(np.diff(school)) + 1]
        if len(school)
        else np.array([], dtype=np.int64)
    )
    k = np.arange(len(school)) - np.repeat(first, np.diff(np.r_[first, len(school)]))
    codes = schools.code.to_numpy()[school]
    return pd.DataFrame(
        {
            "offering_id": [f"{c}-{i + 1:02d}" for c, i in zip(codes, k, strict=True)],
            "capacity": seats[course],
            "slot": np.array(SLOTS, dtype=object)[k % len(SLOTS)],
            "school_id": codes,
            "course_id": courses.course_id.to_numpy()[course],
            "school_idx": school,
            "course_idx": course,
        }
    )


def make_choices(
    students: pd.DataFrame, offerings: pd.DataFrame, courses: pd.DataFrame, seed: str
) -> pd.DataFrame:
    """Ranked choices of ~60% of students among their own school's offerings (by popularity)."""
    rng = rng_for(seed, "choices")
    pop = courses.popularity.to_numpy()
    gmin, gmax = courses.grade_min.to_numpy(), courses.grade_max.to_numpy()
    st_school = students.school_idx.to_numpy()
    st_grade = students.grade.to_numpy()
    off_school = offerings.school_idx.to_numpy()
    off_course = offerings.course_idx.to_numpy()
    n_s = int(st_school.max()) + 1 if len(st_school) else 0
    st_bounds = np.searchsorted(st_school, np.arange(n_s + 1))
    off_bounds = np.searchsorted(off_school, np.arange(n_s + 1))
    choose = rng.random(len(students)) < CHOOSE_SHARE
    length = rng.choice(5, len(students), p=LIST_LENGTH_P) + 1
    rows_st: list[npt.NDArray[np.int64]] = []
    rows_off: list[npt.NDArray[np.int64]] = []
    rows_rank: list[npt.NDArray[np.int64]] = []
    for si in range(n_s):
        st = np.arange(st_bounds[si], st_bounds[si + 1])
        st = st[choose[st]]
        offs = np.arange(off_bounds[si], off_bounds[si + 1])
        if len(st) == 0 or len(offs) == 0:
            continue
        c = off_course[offs]
        g = st_grade[st][:, None]
        ok = (gmin[c][None, :] <= g) & (gmax[c][None, :] >= g)
        key = np.log(pop[c])[None, :] + rng.gumbel(size=ok.shape)
        key[~ok] = -np.inf
        top = np.argsort(-key, axis=1, kind="stable")[:, :5]
        n_ok = ok.sum(axis=1)
        n_take = np.minimum(length[st], n_ok)
        rank = np.arange(1, top.shape[1] + 1)[None, :]
        take = rank <= n_take[:, None]
        rows_st.append(np.broadcast_to(st[:, None], top.shape)[take])
        rows_off.append(offs[top][take])
        rows_rank.append(np.broadcast_to(rank, top.shape)[take])
    st_i = np.concatenate(rows_st)
    off_i = np.concatenate(rows_off)
    rank_i = np.concatenate(rows_rank)
    code_int = students.code_int.to_numpy()
    order = np.lexsort((rank_i, code_int[st_i]))
    st_i, off_i, rank_i = st_i[order], off_i[order], rank_i[order]
    return pd.DataFrame(
        {
            "student_id": students.code.to_numpy()[st_i],
            "rank": rank_i,
            "offering_id": offerings.offering_id.to_numpy()[off_i],
            "student_idx": st_i,
        }
    )


def make_high_schools(p: Profile, seed: str) -> pd.DataFrame:
    rng = rng_for(seed, "high_schools")
    stems = ("中学", "第二中学", "高级中学", "实验高级中学")
    per: dict[int, int] = {}
    names = []
    for k in range(p.high_schools):
        ci = k % len(p.clusters)
        nth = per.get(ci, 0)
        per[ci] = nth + 1
        stem = stems[nth] if nth < len(stems) else f"第{cn_number(nth + 1)}高级中学"
        names.append(p.clusters[ci].name + stem)
    lo, hi = p.hs_plan
    plan = np.round(rng.integers(lo, hi + 1, p.high_schools) / 10) * 10
    return pd.DataFrame(
        {
            "high_school_id": [f"H{i + 1:02d}" for i in range(p.high_schools)],
            "name": names,
            "plan": plan.astype(np.int64),
        }
    )
