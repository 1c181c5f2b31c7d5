from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrolmentConfig(AppConfig):
    """The demand side of the course supermarket: choice windows, the public draw, enrolments,
    waitlist offers, attendance, ratings, fees and settlement (issue 5)."""

    name = "junheng.enrolment"
    label = "enrolment"
    verbose_name = _("选课与录取")
