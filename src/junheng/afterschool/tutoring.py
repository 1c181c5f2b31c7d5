"""The no-subject-tutoring rule (不得开展学科类培训) for after-school courses.

Double Reduction (2021) forbids subject tutoring in after-school services run with off-campus
providers: courses must be on the non-subject list (sports, arts, science and technology,
heritage, labour, reading…). junheng applies a deliberately simple, published rule: a course
whose title or content names an academic subject or a tutoring practice from the lists below is
refused, both when it is submitted (form validation and `do_submit_course`) and when the bureau
reviews it (`do_approve_course` refuses; the reviewer may also reject any course with a reason).

The rule is conservative: "阅读" (reading for pleasure) is allowed, "阅读理解" (exam reading
comprehension) is not; "书法" is allowed, "语文" is not. A provider whose non-subject course is
caught by a word can rephrase; the bureau decides in review.

Text is normalised before matching, so spacing and look-alike characters do not hide a word:
Unicode NFKC (full-width "ＡＢＣ１２" → "ABC12", compatibility forms), zero-width and soft-hyphen
characters removed, traditional forms of the listed words' characters mapped to simplified, and —
for the Chinese words — every space, punctuation mark and symbol between characters ignored
("数 学 培 优", "语·文", "数_学" all read as written together). The English words are matched
on the NFKC text with punctuation read as spaces and letter-spaced words ("t u t o r i n g")
joined. `tutoring_matches` says which listed word matched and the original text it matched, so
the reviewer sees why a course was flagged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

# Academic subjects taught as school subjects (学科) and tutoring practices (培训方式).
# Two-character terms that hide inside ordinary words are left out: "高考" is in "提高考试",
# "中考" in "集中考察"; "中考冲刺" and "考试辅导" catch the tutoring meant.
SUBJECT_TERMS: tuple[str, ...] = (
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "生物学科",
    "历史学科",
    "地理学科",
    "道德与法治",
    "奥数",
    "奥林匹克数学",
    "作文",
    "阅读理解",
    "新概念英语",
    "小升初",
    "中考冲刺",
)
PRACTICE_TERMS: tuple[str, ...] = (
    "同步辅导",
    "学科辅导",
    "课业辅导",
    "作业辅导",
    "培优",
    "补习",
    "补课",
    "提分",
    "刷题",
    "应试",
    "考试辅导",
    "家教",
    "一对一辅导",
    "预习",
    "复习",
    "衔接班",
    "超前学习",
)
# English: subject + tutoring word, and the tutoring words themselves.
ENGLISH_PATTERN = re.compile(
    r"\b(?:(?:chinese|english|maths?|mathematics|physics|chemistry)\s+"
    r"(?:tutoring|tuition|lessons?|classes|class|coaching|course)"
    r"|tutoring|tuition|olympiad\s+maths?|math\s+olympiad|exam\s+prep(?:aration)?|test\s+prep"
    r"|homework\s+help)\b",
    re.IGNORECASE,
)


# Characters that render as nothing (zero-width space/joiners, word joiner, BOM, soft hyphen,
# Mongolian vowel separator).
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"))
# Traditional forms of the characters in the lists above (繁体 → 简体).
TRADITIONAL = str.maketrans(
    "語數學英習課輔導複預應試閱讀歷題奧銜業對補會訓練級優説說",
    "语数学英习课辅导复预应试阅读历题奥衔业对补会训练级优说说",
)
_SPACED_LETTERS = re.compile(r"\b(?:[a-z] ){2,}[a-z]\b")


@dataclass(frozen=True)
class TutoringMatch:
    """A listed word found in a course text, and the original text that matched it."""

    term: str
    excerpt: str


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(INVISIBLE).translate(TRADITIONAL)


def _squeeze(raw: str) -> tuple[str, list[int]]:
    """The normalised letters and digits of `raw` (lower-cased), each with the index of the
    raw character it came from (so a match can be shown as written)."""
    kept: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(raw):
        for c in _clean(ch):
            if unicodedata.category(c)[0] in "LN":
                kept.append(c.lower())
                where.append(i)
    return "".join(kept), where


def _english(text: str) -> str:
    spaced = "".join(ch.lower() if unicodedata.category(ch)[0] in "LN" else " " for ch in text)
    spaced = re.sub(r" +", " ", spaced)
    return _SPACED_LETTERS.sub(lambda m: m.group(0).replace(" ", ""), spaced)


def tutoring_matches(*texts: str) -> list[TutoringMatch]:
    """The forbidden words found in the texts, in list order, each once, with the original
    text (as written, spaces and all) where each was found."""
    found: dict[str, str] = {}
    for raw in texts:
        if not raw:
            continue
        squeezed, where = _squeeze(raw)
        for term in (*SUBJECT_TERMS, *PRACTICE_TERMS):
            if term in found:
                continue
            at = squeezed.find(term)
            if at >= 0:
                found[term] = raw[where[at] : where[at + len(term) - 1] + 1]
        for m in ENGLISH_PATTERN.finditer(_english(_clean(raw))):
            term = re.sub(r" +", " ", m.group(0))
            found.setdefault(term, m.group(0))
    order = {t: i for i, t in enumerate((*SUBJECT_TERMS, *PRACTICE_TERMS))}
    return [
        TutoringMatch(t, e)
        for t, e in sorted(found.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]


def tutoring_terms(*texts: str) -> list[str]:
    """The forbidden words found in the texts, in list order, each once."""
    return [m.term for m in tutoring_matches(*texts)]


def describe_matches(matches: Sequence[TutoringMatch]) -> str:
    """ "数学（原文“数 学”）、培优" — the words, and how they were written when it differs."""
    parts = []
    for m in matches:
        if m.excerpt.lower() != m.term:
            parts.append(_("%(term)s（原文“%(text)s”）") % {"term": m.term, "text": m.excerpt})
        else:
            parts.append(m.term)
    return "、".join(parts)
