"""The public draw (公开摇号), its results: enrolments (录取), waitlists (候补) and offers.

A `Draw` keeps the seed hidden until it is revealed; `seed_commitment` = sha256(seed) is public
from the window's opening. At the draw the input files are frozen and hashed
(`inputs_sha256`), the public `entropy` of the ceremony is entered, and the engine runs with
`final_seed` = sha256(seed:inputs_sha256:entropy) (`junheng.engines.lottery.final_seed`).
The draw stores the exact input files (children appear only by their per-draw pseudonym,
`Ranking.pseudonym`), the result file and its hash, so anyone can re-run `junheng verify`. Post-draw changes (siblings'
together-or-nothing, cancelled small offerings, drops, waitlist offers) are recorded as
`DrawAdjustment` rows and never change the published files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import Offering
from junheng.enrolment.models.windows import ChoiceWindow
from junheng.region.models import Student


class DrawState(models.TextChoices):
    COMMITTED = "committed", _("已公布种子承诺")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class DrawQuerySet(models.QuerySet["Draw"]):
    def without_files(self) -> DrawQuerySet:
        """The draws without their five contract files' text (`Draw.FILES`, the inputs and
        results of a whole window each): for lists and pages that show a draw's state, hash or
        report, never its files, which `file_bytes` then reads in one more query if asked."""
        return self.defer(*(f"{name}_csv" for name in Draw.FILES))


class Draw(models.Model):
    window = models.OneToOneField(ChoiceWindow, on_delete=models.CASCADE, related_name="draw")
    # Hidden until revealed_at: only the commitment is shown before.
    seed = models.CharField(max_length=128)
    seed_commitment = models.CharField(_("种子承诺 sha256(seed)"), max_length=64)
    # The seed rule's other parts, fixed when the draw is run; the final seed is hidden with
    # the seed until revealed_at (it is what the lottery keys are computed from).
    inputs_sha256 = models.CharField(_("输入文件哈希"), max_length=64, blank=True)
    entropy = models.CharField(_("公开随机数"), max_length=200, blank=True)
    entropy_source = models.CharField(_("随机数来源"), max_length=200, blank=True)
    final_seed = models.CharField(_("最终种子"), max_length=64, blank=True)
    committed_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(_("种子公布时间"), null=True, blank=True)
    state = models.CharField(max_length=10, choices=DrawState.choices, default=DrawState.COMMITTED)
    method = models.CharField(max_length=12, blank=True)
    max_courses = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    result_sha256 = models.CharField(max_length=64, blank=True)
    # The junheng release that drew it: a later release may search differently, so the public
    # page tells anyone verifying which release to run (`pip install junheng==…`).
    engine_release = models.CharField(_("抽签所用 junheng 版本"), max_length=20, blank=True)
    # The exact bytes (UTF-8 text) of the contract files, for download and `junheng verify`.
    offerings_csv = models.TextField(blank=True)
    choices_csv = models.TextField(blank=True)
    students_csv = models.TextField(blank=True)
    out_csv = models.TextField(blank=True)
    waitlist_csv = models.TextField(blank=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = _("摇号")
        verbose_name_plural = _("摇号")

    def __str__(self) -> str:
        return f"{self.window} ({self.seed_commitment[:12]})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("enrolment:window", kwargs={"window_id": self.window_id})

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def public_seed(self) -> str | None:
        return self.seed if self.revealed_at is not None else None

    @property
    def public_final_seed(self) -> str | None:
        return self.final_seed if self.revealed_at is not None and self.final_seed else None

    FILES = ("offerings", "choices", "students", "out", "waitlist")

    def file_bytes(self, name: str) -> bytes:
        if name not in self.FILES:
            raise KeyError(name)
        return str(getattr(self, f"{name}_csv")).encode("utf-8")


class EnrolmentSource(models.TextChoices):
    DRAW = "draw", _("摇号录取")
    OFFER = "offer", _("候补递补")
    REPLACEMENT = "replacement", _("停开后调剂")
    MANUAL = "manual", _("人工录取")


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("在读")
    DROPPED = "dropped", _("已退课")
    RELEASED = "released", _("已放弃（兄弟姐妹未同班）")
    CANCELLED = "cancelled", _("课程停开")
    SWAPPED = "swapped", _("已换到更想上的课程")


class Enrolment(models.Model):
    window = models.ForeignKey(ChoiceWindow, on_delete=models.CASCADE, related_name="enrolments")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrolments")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="enrolments")
    rank = models.PositiveSmallIntegerField(_("志愿顺序"))
    source = models.CharField(
        max_length=12, choices=EnrolmentSource.choices, default=EnrolmentSource.DRAW
    )
    status = models.CharField(
        max_length=10,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ACTIVE,
        db_index=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Columns only: a default ordering through a relation would join (and, under
        # FOR UPDATE, lock) the window and student rows of every seat query.
        ordering = ["window_id", "student_id", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "offering"],
                condition=models.Q(status="active"),
                name="uniq_active_enrolment",
            )
        ]
        verbose_name = _("录取")
        verbose_name_plural = _("录取")

    def __str__(self) -> str:
        return f"{self.student.code} → {self.offering_id} ({self.status})"


class EntryStatus(models.TextChoices):
    WAITING = "waiting", _("候补中")
    OFFERED = "offered", _("已发出候补录取")
    ENROLLED = "enrolled", _("已递补录取")
    DECLINED = "declined", _("已放弃")
    LAPSED = "lapsed", _("逾期未确认")
    LEFT = "left", _("已不再候补")


class WaitlistEntry(models.Model):
    """A place on an offering's waitlist, in lottery (service) order, never by time."""

    window = models.ForeignKey(ChoiceWindow, on_delete=models.CASCADE, related_name="waitlist")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="waitlist")
    position = models.PositiveIntegerField(_("候补位次"))
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="waitlist_entries")
    rank = models.PositiveSmallIntegerField(_("志愿顺序"))
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING, db_index=True
    )

    class Meta:
        ordering = ["window_id", "offering_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["window", "offering", "position"], name="uniq_waitlist_position"
            ),
            models.UniqueConstraint(
                fields=["window", "offering", "student"], name="uniq_waitlist_student"
            ),
        ]
        verbose_name = _("候补")
        verbose_name_plural = _("候补")

    def __str__(self) -> str:
        return f"{self.offering_id} #{self.position} {self.student.code}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("待确认")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已放弃")
    LAPSED = "lapsed", _("已过期")
    WITHDRAWN = "withdrawn", _("已撤回")


class WaitlistOffer(models.Model):
    """A time-limited offer of a freed seat; while open it holds the seat for this child."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="offers")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="offers")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("确认截止"))
    status = models.CharField(
        max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN, db_index=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="open"),
                name="uniq_open_offer_per_entry",
            )
        ]
        verbose_name = _("候补录取通知")
        verbose_name_plural = _("候补录取通知")

    def __str__(self) -> str:
        return f"{self.student.code} ← {self.offering_id} ({self.status})"


class AdjustmentKind(models.TextChoices):
    SIBLINGS = "siblings", _("兄弟姐妹未同班，放弃名额")
    CANCEL_SMALL = "cancel_small", _("人数不足停开并调剂")
    DROP = "drop", _("退课")
    OFFER = "offer", _("候补录取")
    ACCEPT = "accept", _("接受候补")
    DECLINE = "decline", _("放弃候补")
    LAPSE = "lapse", _("候补逾期")
    MANUAL = "manual", _("人工调整")
    SEATS = "seats", _("调整名额")
    CANCEL = "cancel", _("课程停开")
    MOVE = "move", _("调整时段")
    ROUND = "round", _("第二轮选课")
    CLOSE = "close", _("提前截止")


class DrawAdjustment(models.Model):
    """A recorded change after the draw (the published result files never change)."""

    window = models.ForeignKey(ChoiceWindow, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(max_length=14, choices=AdjustmentKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["window", "at", "pk"]
        verbose_name = _("摇号后调整")
        verbose_name_plural = _("摇号后调整")

    def __str__(self) -> str:
        return f"{self.window}: {self.kind}"


class Notification(models.Model):
    """An in-app message to a user (email/SMS adapters can read the same rows later)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.text[:40]
