"""Region forms: the import upload (growth portraits' imports use it too, with their kinds)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from junheng.region.imports import MB, import_limits

KIND_LABELS = {"schools": _("学校"), "teachers": _("教师"), "students": _("学生")}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"))
    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("仅预检，不保存"),
        required=False,
        help_text=_("检查每一行并显示将新增和更新的数量，数据库不作任何改动。"),
    )

    def __init__(
        self,
        *args: Any,
        kinds: tuple[str, ...],
        labels: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        labels = KIND_LABELS if labels is None else labels
        kind.choices = [(k, labels[k]) for k in kinds]

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        limit = import_limits().max_bytes
        if f.size > limit:
            raise forms.ValidationError(_("文件过大（最多 %(n)d MB）") % {"n": limit // MB})
        return f


class OutlineForm(forms.Form):
    """The county outline upload (region/outline.py)."""

    file = forms.FileField(
        label=_("县界文件（GeoJSON：.geojson 或 .json）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json"}),
    )
    mode = forms.ChoiceField(
        label=_("坐标"),
        choices=[
            ("lonlat", _("经纬度（度，WGS 84；GIS 软件导出的格式）")),
            ("km", _("公里（与学校的横、纵坐标相同）")),
        ],
        initial="lonlat",
        widget=forms.RadioSelect,
    )
    origin_lon = forms.FloatField(
        label=_("学校坐标原点的经度"),
        required=False,
        min_value=-180,
        max_value=180,
        help_text=_("学校横、纵坐标 (0, 0) 所在点的经度和纬度；横坐标向东、纵坐标向北。"),
    )
    origin_lat = forms.FloatField(
        label=_("学校坐标原点的纬度"), required=False, min_value=-90, max_value=90
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "lonlat" and (
            data.get("origin_lon") is None or data.get("origin_lat") is None
        ):
            raise forms.ValidationError(_("经纬度坐标需要填写学校坐标原点 (0, 0) 的经度和纬度"))
        return data
