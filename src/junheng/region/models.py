"""The region core: counties, schools, teachers, students, classes, terms, weekly slots.

Everything else in junheng stands on these rows. Codes (school code, teacher code, student
pseudonymous code) are the keys of imports and of the engines' files.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    NINE_YEAR = "nine_year", _("九年一贯制")


class UrbanRural(models.TextChoices):
    URBAN = "urban", _("城区")
    TOWN = "town", _("镇区")
    RURAL = "rural", _("乡村")


class Gender(models.TextChoices):
    FEMALE = "F", _("女")
    MALE = "M", _("男")


class Qualification(models.TextChoices):
    """Highest education of a teacher (学历)."""

    SECONDARY = "secondary", _("中专及以下")
    ASSOCIATE = "associate", _("专科")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("研究生")


class BackboneLevel(models.TextChoices):
    """Backbone teacher title (骨干教师); county level or above counts for indicator L2."""

    NONE = "none", _("无")
    SCHOOL = "school", _("校级")
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级及以上")


PE_ART_SUBJECTS = frozenset({"pe", "music", "art"})
SUBJECTS: list[tuple[str, str]] = [
    ("chinese", "语文"),
    ("math", "数学"),
    ("english", "英语"),
    ("science", "科学"),
    ("physics", "物理"),
    ("chemistry", "化学"),
    ("biology", "生物"),
    ("history", "历史"),
    ("geography", "地理"),
    ("politics", "道德与法治"),
    ("pe", "体育"),
    ("music", "音乐"),
    ("art", "美术"),
    ("it", "信息科技"),
    ("labour", "劳动"),
    ("psychology", "心理健康"),
]


class County(models.Model):
    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    # The imported county outline (region/outline.py): outer rings in the schools' km, drawn by
    # every county map instead of the schools' convex hull.
    outline = models.JSONField(_("县界轮廓（公里）"), null=True, blank=True, editable=False)
    outline_file = models.CharField(_("县界文件"), max_length=200, blank=True, editable=False)
    outline_origin = models.JSONField(
        _("经纬度原点"), null=True, blank=True, editable=False
    )  # [lon, lat] of (0, 0) km when the file was in longitude/latitude
    outline_at = models.DateTimeField(_("县界导入时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("县（市、区）")
        verbose_name_plural = _("县（市、区）")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    code = models.CharField(_("学校代码"), max_length=30, unique=True)
    name = models.CharField(_("学校名称"), max_length=200)
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="schools")
    level = models.CharField(_("学段"), max_length=12, choices=Level.choices)
    urban_rural = models.CharField(_("城乡类别"), max_length=8, choices=UrbanRural.choices)
    x_km = models.FloatField(_("横坐标 (km)"), default=0)
    y_km = models.FloatField(_("纵坐标 (km)"), default=0)
    teaching_room_m2 = models.FloatField(_("教学及辅助用房面积 (m²)"), default=0)
    sports_field_m2 = models.FloatField(_("体育运动场馆面积 (m²)"), default=0)
    equipment_yuan = models.FloatField(_("教学仪器设备值 (元)"), default=0)
    multimedia_classrooms = models.PositiveIntegerField(_("网络多媒体教室 (间)"), default=0)
    after_school_slots = models.PositiveIntegerField(
        _("每周可接纳校外课程节数"),
        default=10,
        help_text=_("课后服务时段中可由校外机构授课的每周节数"),
    )
    teaching_point = models.BooleanField(_("教学点"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    code = models.CharField(_("教师编号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="teachers")
    subject = models.CharField(_("任教学科"), max_length=20, choices=SUBJECTS)
    section = models.CharField(
        _("任教学段"),
        max_length=12,
        choices=[(Level.PRIMARY, _("小学")), (Level.JUNIOR, _("初中"))],
        default=Level.PRIMARY,
    )
    qualification = models.CharField(_("学历"), max_length=12, choices=Qualification.choices)
    backbone_level = models.CharField(
        _("骨干等级"), max_length=10, choices=BackboneLevel.choices, default=BackboneLevel.NONE
    )
    years_at_school = models.PositiveIntegerField(_("在校年限"), default=0)
    age = models.PositiveIntegerField(_("年龄"))
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("教师")
        verbose_name_plural = _("教师")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_backbone(self) -> bool:
        """County level or above (县级及以上骨干), as indicator L2 counts."""
        return self.backbone_level in {
            BackboneLevel.COUNTY,
            BackboneLevel.CITY,
            BackboneLevel.PROVINCE,
        }

    @property
    def is_qualified(self) -> bool:
        """Above the required qualification: associate+ in primary, bachelor+ in junior."""
        order = [
            Qualification.SECONDARY,
            Qualification.ASSOCIATE,
            Qualification.BACHELOR,
            Qualification.MASTER,
        ]
        need = Qualification.ASSOCIATE if self.section == Level.PRIMARY else Qualification.BACHELOR
        return order.index(Qualification(self.qualification)) >= order.index(need)

    @property
    def is_pe_art(self) -> bool:
        return self.subject in PE_ART_SUBJECTS


class Term(models.Model):
    name = models.CharField(_("学期"), max_length=50, unique=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    is_current = models.BooleanField(_("当前学期"), default=False)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("学期")
        verbose_name_plural = _("学期")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls, *, or_latest: bool = True) -> Term | None:
        """The term marked current; with none marked, the latest one (or None: or_latest=False)."""
        term = cls.objects.filter(is_current=True).first()
        if term is None and or_latest:
            term = cls.objects.order_by("-start").first()
        return term


class SchoolClass(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("年级"))
    number = models.PositiveSmallIntegerField(_("班号"))

    class Meta:
        ordering = ["school", "grade", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "grade", "number"], name="uniq_class")
        ]
        verbose_name = _("班级")
        verbose_name_plural = _("班级")

    def __str__(self) -> str:
        return f"{self.grade}({self.number})"


class Student(models.Model):
    """A pupil. `code` is pseudonymous (no national ID is ever stored)."""

    code = models.CharField(_("学生编码"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    grade = models.PositiveSmallIntegerField(_("年级"))
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="students",
        verbose_name=_("班级"),
    )
    migrant = models.BooleanField(_("随迁子女"), default=False)
    left_behind = models.BooleanField(_("留守儿童"), default=False)
    low_income = models.BooleanField(_("低收入家庭"), default=False)
    support_needs = models.BooleanField(_("特殊需要"), default=False)
    score = models.FloatField(_("入学成绩"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["school", "grade"])]
        verbose_name = _("学生")
        verbose_name_plural = _("学生")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小明 -> 张*明, 欧阳小明 -> 欧**明 (what providers see)."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class TimeSlot(models.Model):
    """A weekly after-school slot, e.g. mon-1 = Monday, first after-school period."""

    class Weekday(models.IntegerChoices):
        MON = 1, _("周一")
        TUE = 2, _("周二")
        WED = 3, _("周三")
        THU = 4, _("周四")
        FRI = 5, _("周五")

    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    period = models.PositiveSmallIntegerField(_("节次"))
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        ordering = ["weekday", "period"]
        constraints = [models.UniqueConstraint(fields=["weekday", "period"], name="uniq_slot")]
        verbose_name = _("课后服务时段")
        verbose_name_plural = _("课后服务时段")

    def __str__(self) -> str:
        """What pages, choice lists and notices show: 周一第1节 15:30-16:30."""
        return f"{self.label} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def code(self) -> str:
        return f"{['mon', 'tue', 'wed', 'thu', 'fri'][self.weekday - 1]}-{self.period}"

    @property
    def label(self) -> str:
        """What people call the slot: 周一第1节 (the code mon-1 is for files)."""
        return _("%(day)s第%(n)d节") % {"day": self.get_weekday_display(), "n": self.period}


class ImportBatchState(models.TextChoices):
    WRITING = "writing", _("写入中")
    DONE = "done", _("已写入")
    UNDONE = "undone", _("已撤销")


class ImportBatch(models.Model):
    """One import's write, done in many short transactions (region/batches.py).

    Each transaction writes a chunk of rows together with their undo entries, so the undo
    journal always matches what is in the tables: an import that fails, is cancelled or whose
    worker dies part-way is undone entirely (at once, or by the periodic sweep once its
    heartbeat is stale). At most one batch per kind writes at a time.
    """

    kind = models.CharField(max_length=20)
    state = models.CharField(
        max_length=10, choices=ImportBatchState.choices, default=ImportBatchState.WRITING
    )
    filename = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(state="writing"),
                name="region_one_import_writing_per_kind",
            )
        ]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"


class ImportUndo(models.Model):
    """What undoes one row of a batch: `before` None = the row was created (delete it), else
    the row's columns before the batch changed them (put them back)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="undo")
    model = models.CharField(max_length=20)  # "schoolclass", "school", "teacher", "student"
    object_id = models.BigIntegerField()
    before = models.JSONField(null=True, encoder=DjangoJSONEncoder)

    class Meta:
        indexes = [models.Index(fields=["batch", "model"], name="region_undo_batch_model_idx")]

    def __str__(self) -> str:
        return f"{self.model} {self.object_id} ({'created' if self.before is None else 'changed'})"
