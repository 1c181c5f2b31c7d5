"""Navigation entries of class placement."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"school", "bureau"}, "placement:index", _("均衡编班")),
    ({"bureau"}, "placement:bulk", _("统一编班")),
    ({"parent"}, "placement:my", _("分班结果")),
]
