"""What every engine run and yearly round has in common (abstract models, no table of their own).

A bureau's yearly round (`rotation.RotationRound`, `communities.PairingRound`) is opened, has
runs of its engine, and publishes one of them; each run (`rotation.PlanRun`, `rotation.Tradeoff`,
`communities.PairingRun`, `places.ForecastRun`) is started by someone, ends with the engine's
figures or a reason (`message`), and is a `jobs.Job`'s target while it computes. The fields
and the small rules about them live here once; each app keeps its own status choices (their
labels say what failed in that app's words), its engine's figures and its page's URL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DONE = "done"  # every app's RunStatus.DONE


class RoundStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    PUBLISHED = "published", _("已发布")


class YearRound(models.Model):
    """A county's round of one year: its status, who opened it, who published which run."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    published_run: Any  # each app's ForeignKey to its own run model

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == RoundStatus.PUBLISHED


class EngineRun(models.Model):
    """One computation of an engine: who started it, when it ended, what it said."""

    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    status: models.CharField[str, str]

    class Meta:
        abstract = True

    @property
    def is_done(self) -> bool:
        return self.status == DONE
