"""Navigation entries of the course supermarket."""

from django.utils.translation import gettext_lazy as _

NAV = [
    ({"bureau"}, "afterschool:vetting", _("机构审核")),
    ({"bureau"}, "afterschool:course_review", _("课程审核")),
    ({"bureau"}, "afterschool:supply", _("均衡配课")),
    ({"provider"}, "afterschool:my_application", _("机构申请")),
    ({"provider"}, "afterschool:provider_requests", _("学校点单")),
    ({"school"}, "afterschool:school_menu", _("课后服务菜单")),
    ({"parent"}, "afterschool:parent_menus", _("课后服务")),
    (
        {"bureau", "school", "provider", "parent", "teacher"},
        "afterschool:public_providers",
        _("机构白名单"),
    ),
]
