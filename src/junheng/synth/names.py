"""Chinese names for synthetic people, places, schools and providers.

Everything here is drawn from a seeded numpy Generator, vectorised over whole columns; lists are
plain tuples in a fixed order so the same seed always gives the same names. Names are fictional
combinations of common characters; any likeness to a real person or school is chance.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Common surnames, roughly by frequency in Zhejiang (weights are relative, not census figures).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.0),
    ("李", 6.0),
    ("张", 6.0),
    ("陈", 6.5),
    ("刘", 4.0),
    ("杨", 3.0),
    ("黄", 2.5),
    ("赵", 2.0),
    ("吴", 3.0),
    ("周", 3.0),
    ("徐", 3.0),
    ("孙", 1.5),
    ("马", 1.2),
    ("朱", 2.5),
    ("胡", 2.0),
    ("郭", 1.0),
    ("何", 1.5),
    ("高", 1.2),
    ("林", 2.0),
    ("罗", 0.8),
    ("郑", 1.5),
    ("梁", 0.6),
    ("谢", 0.8),
    ("宋", 0.8),
    ("唐", 0.8),
    ("许", 1.2),
    ("韩", 0.6),
    ("冯", 0.8),
    ("邓", 0.5),
    ("曹", 0.6),
    ("彭", 0.5),
    ("曾", 0.4),
    ("肖", 0.5),
    ("田", 0.4),
    ("董", 0.6),
    ("袁", 0.5),
    ("潘", 0.8),
    ("于", 0.4),
    ("蒋", 1.0),
    ("蔡", 0.8),
    ("余", 0.7),
    ("杜", 0.4),
    ("叶", 1.0),
    ("程", 0.5),
    ("苏", 0.5),
    ("魏", 0.4),
    ("吕", 0.5),
    ("丁", 0.6),
    ("任", 0.4),
    ("沈", 1.5),
    ("姚", 0.8),
    ("卢", 0.5),
    ("姜", 0.5),
    ("崔", 0.2),
    ("钟", 0.4),
    ("谭", 0.2),
    ("陆", 1.0),
    ("汪", 0.6),
    ("范", 0.5),
    ("金", 1.0),
    ("石", 0.4),
    ("廖", 0.2),
    ("贾", 0.2),
    ("夏", 0.5),
    ("韦", 0.2),
    ("傅", 0.5),
    ("方", 0.8),
    ("邹", 0.3),
    ("孟", 0.2),
    ("熊", 0.2),
    ("秦", 0.3),
    ("邱", 0.4),
    ("江", 0.4),
    ("尹", 0.2),
    ("薛", 0.3),
    ("顾", 0.8),
    ("俞", 0.8),
    ("钱", 0.8),
    ("戴", 0.4),
    ("严", 0.4),
    ("毛", 0.5),
    ("章", 0.6),
    ("应", 0.5),
    ("楼", 0.4),
    ("邵", 0.5),
    ("屠", 0.3),
    ("虞", 0.3),
    ("褚", 0.2),
    ("欧阳", 0.1),
    ("诸葛", 0.02),
)
GIVEN_F: tuple[str, ...] = tuple(
    "婷丽静敏燕艳娟霞芳颖雪琳倩欣怡涵悦萱彤妍晨璐瑶佳慧晓玲思雨梦诗雅楠蕾宁可馨月琪嘉依菲"
)
GIVEN_M: tuple[str, ...] = tuple(
    "伟强磊军勇杰涛斌超明辉刚鹏浩宇轩博文俊凯晨睿哲昊然子航泽天宁铭逸一鑫成诚翔宏志建新"
)
GIVEN_ANY: tuple[str, ...] = tuple("子梓一雨思欣嘉佳晨宇可若安亦沐语心诗家星")

PLACE_A: tuple[str, ...] = tuple("青石白金梅桃松柳澄长安平新东西南北龙凤云溪湖泉丰沙枫竹桐杏兰玉")
PLACE_B: tuple[str, ...] = tuple("桥塘浦港溪山湾岭浜埠墩岙亭园庄泾口渡坞坝湖林田阳")
VILLAGE_A: tuple[str, ...] = tuple("杨李张王陈周沈徐朱吴胡钱孙顾金上下前后大小中高横")
VILLAGE_B: tuple[str, ...] = tuple("家庄村塘桥湾浜埭墩舍圩坞里")
BRAND_A: tuple[str, ...] = tuple(
    "青星启明晨乐童育博远思艺慧智雅朝阳光彩新创未天蓝海金银春秋和悦锦华嘉卓诚信立德弘文"
)
BRAND_B: tuple[str, ...] = tuple(
    "禾辰航苗果桥帆翼源梦韵扬奇趣行知芽谷叶林风云舟石田泉川岚晖影乐之远宸曦灵湾境途彦"
)

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 25 -> 二十五 (1..99)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    out = ("" if tens <= 1 else CN_DIGITS[tens]) + ("十" if tens else "")
    return out + (CN_DIGITS[ones] if ones else "")


def person_names(
    rng: np.random.Generator, female: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """(surname, given name) arrays for people of the given genders."""
    n = len(female)
    sw = np.array([w for _, w in SURNAMES])
    surnames = np.array([s for s, _ in SURNAMES], dtype=object)
    sur = surnames[rng.choice(len(surnames), size=n, p=sw / sw.sum())]
    f_chars = np.array(GIVEN_F, dtype=object)
    m_chars = np.array(GIVEN_M, dtype=object)
    any_chars = np.array(GIVEN_ANY, dtype=object)
    g1_f = f_chars[rng.integers(0, len(f_chars), n)]
    g1_m = m_chars[rng.integers(0, len(m_chars), n)]
    g0 = any_chars[rng.integers(0, len(any_chars), n)]
    last = np.where(female, g1_f, g1_m)
    two = rng.random(n) < 0.75
    given = np.where(two, g0 + last, last)
    return sur, given


def unique_pairs(
    rng: np.random.Generator, first: tuple[str, ...], second: tuple[str, ...], n: int
) -> list[str]:
    """n distinct two-part names (first[i] + second[j])."""
    total = len(first) * len(second)
    if n > total:
        raise ValueError(f"only {total} distinct names, {n} wanted")
    picks = rng.choice(total, size=n, replace=False)
    return [first[int(p) // len(second)] + second[int(p) % len(second)] for p in picks]
