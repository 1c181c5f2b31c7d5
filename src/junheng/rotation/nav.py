"""Navigation entries of the rotation planner: the bureau's rounds and stints, a school's
needs and moves, a teacher's own rotation page."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "rotation:index", _("交流轮岗")),
    ({"bureau"}, "rotation:stints", _("交流期满返回")),
    ({"school"}, "rotation:school", _("本校交流轮岗")),
    ({"teacher"}, "rotation:mine", _("我的交流轮岗")),
]
