"""Post-draw adjustments (摇号后调整) told as sentences.

`DrawAdjustment.detail` keeps the machine-readable facts (offering ids, student codes, figures);
`describe` turns a row into the sentence the window's page shows, in the reader's language.
Rows written before a key existed fall back to what they have.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from junheng.enrolment.models import AdjustmentKind, DrawAdjustment


def _course(d: dict[str, Any]) -> str:
    if d.get("course"):
        return str(d["course"])
    oid = d.get("offering")
    return _("课程 %(id)s") % {"id": oid} if oid is not None else _("课程")


def _reason(d: dict[str, Any]) -> str:
    r = str(d.get("reason") or "").strip()
    return _("（原因：%(r)s）") % {"r": r} if r else ""


def describe(adj: DrawAdjustment) -> str:
    d: dict[str, Any] = adj.detail if isinstance(adj.detail, dict) else {}
    kind = adj.kind
    student = d.get("student", "")
    course = _course(d)
    if kind == AdjustmentKind.OFFER:
        return _("%(s)s 候补到“%(c)s”的名额（候补第 %(p)s 位），须在 %(h)s 小时内确认。") % {
            "s": student,
            "c": course,
            "p": d.get("position", "?"),
            "h": d.get("hours", "?"),
        }
    if kind == AdjustmentKind.ACCEPT:
        text = _("%(s)s 接受了“%(c)s”的候补名额。") % {"s": student, "c": course}
        gave_up = d.get("gave_up_courses") or []
        if gave_up:
            text += _("同时放弃了：%(g)s，名额顺延给候补的同学。") % {"g": "、".join(gave_up)}
        return text
    if kind == AdjustmentKind.DECLINE:
        return _("%(s)s 放弃了“%(c)s”的候补名额，名额顺延给下一位。") % {"s": student, "c": course}
    if kind == AdjustmentKind.LAPSE:
        return _("%(s)s 未在期限内确认“%(c)s”的候补名额，名额顺延给下一位。") % {
            "s": student,
            "c": course,
        }
    if kind == AdjustmentKind.DROP:
        return _("%(s)s 退出了“%(c)s”，名额顺延给候补的同学。") % {"s": student, "c": course}
    if kind == AdjustmentKind.SIBLINGS:
        return _("兄弟姐妹 %(s)s 未录取到相同课程，按“同班否则都不要”放弃了全部名额。") % {
            "s": "、".join(d.get("students") or [])
        }
    if kind in (AdjustmentKind.CANCEL, AdjustmentKind.CANCEL_SMALL):
        placed: dict[str, Any] = d.get("placed") or {}
        if "enrolled" not in d:  # rows written before sentences existed
            replaced = d.get("replaced") or {}
            return _("停开课程 %(ids)s；%(n)d 名学生重新安排。") % {
                "ids": "、".join(str(i) for i in d.get("cancelled") or []),
                "n": len(replaced),
            }
        moved = [f"{code} → {title}" for code, title in sorted(placed.items()) if title]
        not_placed = [code for code, title in sorted(placed.items()) if not title]
        text = _("“%(c)s”停开%(r)s：%(n)d 名在读学生中 %(k)d 人按原志愿调剂") % {
            "c": course,
            "r": _reason(d),
            "n": d.get("enrolled", 0),
            "k": len(moved),
        }
        if moved:
            text += _("（%(m)s）") % {"m": "、".join(moved)}
        text += _("，%(u)d 人未能调剂") % {"u": len(not_placed)}
        if not_placed:
            text += _("（%(m)s）") % {"m": "、".join(not_placed)}
        text += _("；%(w)d 名候补学生的候补已取消，均已通知家长。") % {"w": d.get("waiting", 0)}
        return text
    if kind == AdjustmentKind.MOVE:
        return _("“%(c)s”由 %(a)s 调整到 %(b)s，已通知 %(n)s 名在读学生的家长。") % {
            "c": course,
            "a": d.get("before", "?"),
            "b": d.get("after", "?"),
            "n": d.get("told", 0),
        }
    if kind == AdjustmentKind.MANUAL:
        return _("%(s)s 被人工录取到“%(c)s”%(r)s。") % {
            "s": student,
            "c": course,
            "r": _reason(d),
        }
    if kind == AdjustmentKind.SEATS:
        return _("“%(c)s”名额由 %(a)s 调整为 %(b)s%(r)s。") % {
            "c": course,
            "a": d.get("before", "?"),
            "b": d.get("after", "?"),
            "r": _reason(d),
        }
    if kind == AdjustmentKind.ROUND:
        return _("教育局开设第 %(n)s 轮选课，本轮候补优先，剩余 %(f)s 个名额进入新一轮。") % {
            "n": d.get("round", "?"),
            "f": d.get("free", "?"),
        }
    if kind == AdjustmentKind.CLOSE:
        return _("提前截止选课%(r)s，已通知 %(n)s 个家庭。") % {
            "r": _reason(d),
            "n": d.get("told", 0),
        }
    return str(adj.get_kind_display())
