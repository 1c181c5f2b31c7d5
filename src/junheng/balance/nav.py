"""Navigation entries of the balance monitor: the bureau's pages, and a school's own page."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "balance:dashboard", _("均衡监测")),
    ({"bureau"}, "balance:gaps", _("差距清单")),
    ({"bureau"}, "balance:whatif", _("模拟测算")),
    ({"school"}, "balance:mine", _("本校均衡指标")),
]
