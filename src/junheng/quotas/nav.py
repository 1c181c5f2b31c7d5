"""Navigation entries of the quota tables: the bureau's tables, and a school's own row."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "quotas:index", _("指标到校")),
    ({"school"}, "quotas:mine", _("本校指标到校名额")),
]
