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
"""

from __future__ import annotations

import re

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


def tutoring_terms(*texts: str) -> list[str]:
    """The forbidden terms found in the texts, in list order, each once."""
    joined = "\n".join(t for t in texts if t)
    found = [t for t in (*SUBJECT_TERMS, *PRACTICE_TERMS) if t in joined]
    for m in ENGLISH_PATTERN.finditer(joined):
        term = m.group(0).lower()
        if term not in found:
            found.append(term)
    return found
