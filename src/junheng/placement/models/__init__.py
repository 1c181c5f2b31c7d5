"""Models of balanced class placement (均衡编班 / 阳光分班).

A `Placement` is one school's split of one grade's new cohort into classes for a term. It moves
draft → committed (the seed commitment and the input hash are public) → drawn (run once, locked)
→ published (seed revealed, class lists with masked names and the balance table public, students'
classes written). `BulkPlacementRun` is the bureau running every school's placement of a grade at
once as a background task.
"""

from junheng.placement.models.bulk import BulkPlacementRun, BulkPlacementSchool, BulkStatus
from junheng.placement.models.placement import (
    AuditEvent,
    LateArrival,
    Method,
    Placement,
    PlacementAudit,
    PlacementMember,
    PlacementRequest,
    PlacementStatus,
    RequesterRole,
    RequestKind,
    Source,
    TeacherTeam,
    Witness,
    WitnessRole,
)

__all__ = [
    "AuditEvent",
    "BulkPlacementRun",
    "BulkPlacementSchool",
    "BulkStatus",
    "LateArrival",
    "Method",
    "Placement",
    "PlacementAudit",
    "PlacementMember",
    "PlacementRequest",
    "PlacementStatus",
    "RequestKind",
    "RequesterRole",
    "Source",
    "TeacherTeam",
    "Witness",
    "WitnessRole",
]
