"""Navigation entries of growth portraits."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"parent"}, "portraits:index", _("成长档案")),
    ({"teacher"}, "portraits:index", _("班级成长档案")),
    ({"school"}, "portraits:school", _("本校成长档案")),
    ({"school"}, "portraits:support", _("需要关爱的学生")),
    ({"bureau"}, "portraits:county", _("综合素质评价")),
    ({"school", "teacher"}, "portraits:import", _("导入成长记录")),
    ({"bureau"}, "portraits:library", _("评价指标库")),
    ({"school"}, "portraits:class_teachers", _("任课安排")),
]
