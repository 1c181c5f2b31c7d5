"""Navigation entries of the education communities: the bureau's overview and results, a
school's (or teacher's) own communities, and the public list."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "communities:index", _("教共体与结对")),
    ({"bureau"}, "communities:county", _("教共体成效（由弱到强）")),
    ({"bureau"}, "communities:results", _("办学质量得分")),
    ({"bureau"}, "communities:sync", _("同步课堂排课")),
    ({"bureau", "school"}, "communities:timetables", _("课表导入")),
    ({"school", "teacher"}, "communities:mine", _("本校教共体")),
    ({"school", "teacher"}, "communities:my_lessons", _("本校同步课堂")),
    ({"bureau", "school", "teacher", "parent", "provider"}, "communities:public", _("教共体名录")),
]
