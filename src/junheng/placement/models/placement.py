"""One school's placement of one grade (均衡编班), its requests, teams, witnesses and audit."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.engines.lottery import inputs_sha256
from junheng.region.models import Gender, School, Student, Teacher, Term, mask_name


class PlacementStatus(models.TextChoices):
    DRAFT = "draft", _("准备中")
    COMMITTED = "committed", _("已公布种子承诺")
    DRAWN = "drawn", _("已抽签（锁定）")
    PUBLISHED = "published", _("已公布结果")


class Method(models.TextChoices):
    BALANCED = "balanced", _("均衡编班")
    SNAKE = "snake", _("蛇形分班")
    RANDOM = "random", _("随机分班")


class Source(models.TextChoices):
    REGION = "region", _("学籍数据")
    IMPORT = "import", _("导入名单")


class RequestKind(models.TextChoices):
    TOGETHER = "together", _("同班")
    APART = "apart", _("分开")


class RequesterRole(models.TextChoices):
    PARENT = "parent", _("家长")
    TEACHER = "teacher", _("教师")
    SCHOOL = "school", _("学校")
    OTHER = "other", _("其他")


class WitnessRole(models.TextChoices):
    PARENT_REP = "parent_rep", _("家长代表")
    INSPECTOR = "inspector", _("纪检监察人员")
    NOTARY = "notary", _("公证员")
    DEPUTY = "deputy", _("人大代表、政协委员")
    TEACHER_REP = "teacher_rep", _("教师代表")
    OTHER = "other", _("其他")


class AuditEvent(models.TextChoices):
    COMMIT = "commit", _("公布种子承诺")
    DRAW = "draw", _("抽签")
    PUBLISH = "publish", _("公布结果")
    LATE = "late", _("插班")


class Placement(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="placements")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(
        _("年级"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    n_classes = models.PositiveSmallIntegerField(
        _("班级数"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    method = models.CharField(
        _("编班方法"), max_length=10, choices=Method.choices, default=Method.BALANCED
    )
    source = models.CharField(
        _("名单来源"), max_length=10, choices=Source.choices, default=Source.REGION
    )
    balance_extras = models.BooleanField(_("同时均衡随迁子女、留守儿童"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PlacementStatus.choices, default=PlacementStatus.DRAFT
    )
    # The seed stays private until the result is published; the commitment is public from
    # the moment the placement is committed, with the input file's hash (the inputs are frozen
    # then). The public entropy is entered at the draw; the engine runs with the final seed
    # sha256(seed:inputs_sha256:entropy), hidden with the seed until publication.
    seed = models.CharField(_("随机种子"), max_length=100, blank=True)
    seed_commitment = models.CharField(_("种子承诺 sha256(seed)"), max_length=64, blank=True)
    input_sha256 = models.CharField(_("输入名单哈希"), max_length=64, blank=True)
    entropy = models.CharField(_("公开随机数"), max_length=200, blank=True)
    final_seed = models.CharField(_("最终种子"), max_length=64, blank=True)
    result_sha256 = models.CharField(_("结果哈希"), max_length=64, blank=True)
    # The junheng release that drew it: a later release may search differently, so the public
    # page tells anyone verifying which release to run (`pip install junheng==…`).
    engine_release = models.CharField(_("抽签所用 junheng 版本"), max_length=20, blank=True)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    table = models.JSONField(_("均衡表"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("承诺公布时间"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽签时间"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    bulk_run = models.ForeignKey(
        "placement.BulkPlacementRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term", "grade"], name="uniq_class_placement")
        ]
        verbose_name = _("均衡编班")
        verbose_name_plural = _("均衡编班")

    def __str__(self) -> str:
        return f"{self.school} {self.grade} {self.term}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("placement:draw", kwargs={"placement_id": self.pk})

    @property
    def is_locked(self) -> bool:
        return self.status in (PlacementStatus.DRAWN, PlacementStatus.PUBLISHED)

    @property
    def public_seed(self) -> str:
        """The seed, only once the result is published."""
        return self.seed if self.status == PlacementStatus.PUBLISHED else ""

    @property
    def public_final_seed(self) -> str:
        """The final seed the engine ran with, only once the result is published."""
        return self.final_seed if self.status == PlacementStatus.PUBLISHED else ""

    @property
    def inputs_sha256(self) -> str:
        """The seed rule's hash of the input files: here the one students.csv, so
        sha256(input_sha256) (`junheng.engines.lottery.inputs_sha256`)."""
        return inputs_sha256([self.input_sha256]) if self.input_sha256 else ""


class PlacementMember(models.Model):
    """One student of the cohort, as the engine saw it (a snapshot taken for the draft)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="members")
    student = models.ForeignKey(
        Student, on_delete=models.SET_NULL, null=True, related_name="placement_memberships"
    )
    code = models.CharField(_("学生编码"), max_length=30)
    # The student's id in this draw's public files (random, per placement; never the code).
    pseudonym = models.CharField(_("公示化名编号"), max_length=12, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    score = models.FloatField(_("成绩"), null=True, blank=True)
    needs = models.BooleanField(_("特殊需要"), default=False)
    migrant = models.BooleanField(_("随迁子女"), default=False)
    left_behind = models.BooleanField(_("留守儿童"), default=False)
    class_no = models.PositiveSmallIntegerField(_("班号"), null=True, blank=True)
    late = models.BooleanField(_("插班"), default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "code"], name="uniq_placement_member_code"
            ),
            models.UniqueConstraint(
                fields=["placement", "pseudonym"],
                condition=~models.Q(pseudonym=""),
                name="uniq_placement_member_pseudonym",
            ),
        ]
        indexes = [models.Index(fields=["placement", "class_no"])]
        verbose_name = _("编班学生")
        verbose_name_plural = _("编班学生")

    def __str__(self) -> str:
        return f"{self.masked_name} ({self.code})"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class PlacementRequest(models.Model):
    """Twins, siblings (same class) or a separation request (different classes), with who asked."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("类型"), max_length=10, choices=RequestKind.choices)
    students = models.ManyToManyField(Student, related_name="+", verbose_name=_("学生"))
    reason = models.CharField(_("理由"), max_length=200)
    requested_by_name = models.CharField(_("申请人"), max_length=50)
    requested_by_role = models.CharField(
        _("申请人身份"), max_length=10, choices=RequesterRole.choices
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("同班/分开申请")
        verbose_name_plural = _("同班/分开申请")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class TeacherTeam(models.Model):
    """A homeroom teacher and the team's other teachers, drawn to a class by the lottery."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="teams")
    label = models.CharField(_("教师团队"), max_length=50)
    homeroom = models.ForeignKey(
        Teacher, on_delete=models.PROTECT, related_name="+", verbose_name=_("班主任")
    )
    teachers = models.ManyToManyField(
        Teacher, blank=True, related_name="+", verbose_name=_("任课教师")
    )
    class_no = models.PositiveSmallIntegerField(_("抽中班号"), null=True, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "label"], name="uniq_placement_team_label")
        ]
        verbose_name = _("教师团队")
        verbose_name_plural = _("教师团队")

    def __str__(self) -> str:
        return self.label


class Witness(models.Model):
    """Someone who watches the public draw (recorded before the run)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="witnesses")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("身份"), max_length=12, choices=WitnessRole.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = _("监督人")
        verbose_name_plural = _("监督人")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class LateArrival(models.Model):
    """A student placed after publication into the smallest suitable class (插班)."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="late_arrivals")
    member = models.OneToOneField(PlacementMember, on_delete=models.CASCADE, related_name="+")
    class_no = models.PositiveSmallIntegerField(_("班号"))
    reason = models.CharField(_("理由"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("插班记录")
        verbose_name_plural = _("插班记录")

    def __str__(self) -> str:
        return f"{self.member} → {self.class_no}"


class PlacementAudit(models.Model):
    """What happened, when, by whom, under whose eyes, on which input and with which result."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="audits")
    event = models.CharField(_("事件"), max_length=10, choices=AuditEvent.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    seed = models.CharField(_("随机种子"), max_length=100, blank=True)
    seed_commitment = models.CharField(_("种子承诺"), max_length=64, blank=True)
    witnesses = models.JSONField(_("监督人"), default=list, blank=True)
    input_sha256 = models.CharField(_("输入名单哈希"), max_length=64, blank=True)
    result_sha256 = models.CharField(_("结果哈希"), max_length=64, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("编班审计记录")
        verbose_name_plural = _("编班审计记录")

    def __str__(self) -> str:
        return f"{self.placement_id} {self.event} {self.at:%Y-%m-%d %H:%M}"
