"""Navigation entries of the education communities: the bureau's overview and results, a
school's (or teacher's) own communities, and the public list."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "communities:index", _("教共体与结对")),
    ({"bureau"}, "communities:results", _("办学质量得分")),
    ({"school", "teacher"}, "communities:mine", _("本校教共体")),
    ({"bureau", "school", "teacher", "parent", "provider"}, "communities:public", _("教共体名录")),
]
