"""Navigation entries of school places: the bureau's forecast pages, a school's own projection."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "places:index", _("学位预测预警")),
    ({"bureau"}, "places:data", _("学位数据")),
    ({"bureau"}, "places:scenarios", _("规划情景")),
    ({"school"}, "places:mine", _("本校学位预测")),
]
