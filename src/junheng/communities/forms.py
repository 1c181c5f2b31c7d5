"""Forms of the education communities: a community, a member, a goal, a pairing round's rules,
a pin, the results of a year. They only parse; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import Course
from junheng.communities.models import ActivityKind, Community, Kind, Mode, PairingRound, PinKind
from junheng.region.models import School, Teacher, TimeSlot
from junheng.widgets import field_of


class SchoolChoice(forms.ModelChoiceField[School]):
    def label_from_instance(self, obj: School) -> str:
        return f"{obj.name}（{obj.code}）"


class CommunityForm(forms.ModelForm[Community]):
    class Meta:
        model = Community
        fields = ["name", "kind", "start_year", "partner_region", "partner_school", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class NewCommunityForm(CommunityForm):
    core = SchoolChoice(queryset=School.objects.none(), label=_("核心校"))
    members = forms.ModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("成员校"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta(CommunityForm.Meta):
        fields = ["core", "members", *CommunityForm.Meta.fields]

    def __init__(self, *args: Any, schools: QuerySet[School], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field_of(self, "core", forms.ModelChoiceField).queryset = schools
        field_of(self, "members", forms.ModelChoiceField).queryset = schools
        self.fields["name"].required = False


class MemberForm(forms.Form):
    school = SchoolChoice(queryset=School.objects.none(), label=_("学校"))
    mode = forms.ChoiceField(label=_("结对方式"), choices=Mode.choices, initial=Mode.LOCAL)
    year = forms.IntegerField(label=_("加入年度"), min_value=2000, max_value=2100)

    def __init__(self, *args: Any, schools: QuerySet[School], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field_of(self, "school", forms.ModelChoiceField).queryset = schools


class GoalForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    lessons = forms.IntegerField(label=_("同步课堂（节）"), min_value=0, max_value=10000)
    activities = forms.IntegerField(label=_("联合教研等活动（次）"), min_value=0, max_value=1000)
    text = forms.CharField(
        label=_("年度目标"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundRulesForm(forms.ModelForm[PairingRound]):
    class Meta:
        model = PairingRound
        fields = ["kind", "capacity", "max_km", "remote", "results_weight"]

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # cross-region pairs name a school outside the county: made one by one, not by a round
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [c for c in Kind.choices if c[0] != Kind.CROSS_REGION]


class OpenRoundForm(RoundRulesForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    class Meta(RoundRulesForm.Meta):
        fields = ["year", *RoundRulesForm.Meta.fields]


class PinForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    core = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=PinKind.choices, widget=forms.HiddenInput)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("主题"), max_length=200)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    host = SchoolChoice(queryset=School.objects.none(), label=_("承办学校"))
    participants = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=100000, initial=0)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, schools: QuerySet[School], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field_of(self, "host", forms.ModelChoiceField).queryset = schools


class TeacherChoice(forms.ModelChoiceField[Teacher]):
    def label_from_instance(self, obj: Teacher) -> str:
        return f"{obj.name}（{obj.school.name} · {obj.get_subject_display()}）"


class ExchangeForm(forms.Form):
    """A teacher of the community goes to another of its schools in a year's rotation."""

    teacher = TeacherChoice(queryset=Teacher.objects.none(), label=_("教师"))
    to_school = SchoolChoice(queryset=School.objects.none(), label=_("交流到"))
    year = forms.IntegerField(label=_("交流轮岗年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        teachers: QuerySet[Teacher],
        schools: QuerySet[School],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        field_of(self, "teacher", forms.ModelChoiceField).queryset = teachers
        field_of(self, "to_school", forms.ModelChoiceField).queryset = schools


class CourseChoice(forms.ModelChoiceField[Course]):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.title}（{obj.grades_label} {_('年级')}）"


class ShareCourseForm(forms.Form):
    course = CourseChoice(queryset=Course.objects.none(), label=_("核心校的校内课程"))

    def __init__(self, *args: Any, courses: QuerySet[Course], **kw: Any) -> None:
        super().__init__(*args, **kw)
        field_of(self, "course", forms.ModelChoiceField).queryset = courses


class OfferSharedForm(forms.Form):
    """A member school puts a shared course on its term menu: at which slot, how many seats."""

    school = SchoolChoice(queryset=School.objects.none(), label=_("成员校"))
    slot = forms.ModelChoiceField(queryset=TimeSlot.objects.none(), label=_("时段"))
    seats = forms.IntegerField(label=_("名额"), min_value=1, max_value=200)

    def __init__(
        self,
        *args: Any,
        schools: QuerySet[School],
        slots: QuerySet[TimeSlot],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        field_of(self, "school", forms.ModelChoiceField).queryset = schools
        field_of(self, "slot", forms.ModelChoiceField).queryset = slots
