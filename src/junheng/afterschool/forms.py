"""Forms of the course supermarket: ModelForms for input, the rules checked in `clean`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.accounts.models import User
from junheng.afterschool.models import (
    Course,
    Instructor,
    Provider,
    ProviderDocument,
    SupplyRun,
)
from junheng.afterschool.tutoring import describe_matches, tutoring_matches
from junheng.afterschool.uploads import validate_document, validate_photo
from junheng.region.models import Teacher, Term, TimeSlot
from junheng.widgets import field_of

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProviderRegistrationForm(forms.ModelForm[Provider]):
    username = forms.CharField(label=_("登录用户名"), max_length=150)
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput, strip=False)
    licence = forms.FileField(
        label=_("营业执照或登记证书"),
        validators=[validate_document],
        help_text=_("PDF、JPG 或 PNG，不超过 5 MB"),
    )

    class Meta:
        model = Provider
        fields = [
            "name",
            "org_type",
            "credit_code",
            "record_id",
            "contact_name",
            "contact_phone",
            "email",
            "address",
            "x_km",
            "y_km",
            "description",
            "service_items",
            "fee_standards",
            "weekly_sessions",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "service_items": forms.Textarea(attrs={"rows": 3}),
            "fee_standards": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"].strip()
        if User.objects.filter(username=name).exists():
            raise forms.ValidationError(_("用户名已被使用。"))
        return name

    def clean_credit_code(self) -> str:
        return str(self.cleaned_data.get("credit_code") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            try:
                password_validation.validate_password(p1, User(username=data.get("username", "")))
            except forms.ValidationError as err:
                self.add_error("password1", err)
        return data


class DocumentForm(forms.ModelForm[ProviderDocument]):
    class Meta:
        model = ProviderDocument
        fields = ["kind", "file"]
        help_texts = {"file": _("PDF、JPG 或 PNG，不超过 5 MB")}


class InstructorForm(forms.ModelForm[Instructor]):
    class Meta:
        model = Instructor
        fields = ["name", "qualifications", "background_check", "background_check_expires"]
        widgets = {
            "background_check_expires": DATE,
            "qualifications": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"background_check": _("PDF、JPG 或 PNG，不超过 5 MB")}

    def clean_background_check_expires(self) -> Any:
        d = self.cleaned_data["background_check_expires"]
        if d < timezone.localdate():
            raise forms.ValidationError(_("无犯罪记录证明已过期，请上传有效期内的证明。"))
        return d


def _tutoring_error(title: str, content: str) -> None:
    matches = tutoring_matches(title, content)
    if matches:
        raise forms.ValidationError(
            _("课后服务不得开展学科类培训：课程名称或内容含有“%(terms)s”。"),
            code="tutoring",
            params={"terms": describe_matches(matches)},
        )


class CourseForm(forms.ModelForm[Course]):
    photo = forms.FileField(
        label=_("课程照片"),
        required=False,
        validators=[validate_photo],
        help_text=_("JPG 或 PNG，不超过 5 MB"),
    )

    class Meta:
        model = Course
        fields = [
            "title",
            "category",
            "grade_min",
            "grade_max",
            "seats",
            "sessions_per_week",
            "fee_per_term",
            "content",
            "max_km",
            "instructor",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, provider: Provider | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "instructor", forms.ModelChoiceField).queryset = (
            Instructor.objects.filter(provider=provider) if provider else Instructor.objects.none()
        )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        _tutoring_error(data.get("title", ""), data.get("content", ""))
        return data


class SchoolCourseForm(forms.ModelForm[Course]):
    slot = forms.ModelChoiceField(label=_("时段"), queryset=TimeSlot.objects.none())

    class Meta:
        model = Course
        fields = [
            "title",
            "category",
            "grade_min",
            "grade_max",
            "seats",
            "sessions_per_week",
            "fee_per_term",
            "content",
            "teacher",
        ]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, school: Any = None, slot_ids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "teacher", forms.ModelChoiceField).queryset = Teacher.objects.filter(
            school=school
        )
        field_of(self, "slot", forms.ModelChoiceField).queryset = TimeSlot.objects.filter(
            pk__in=list(slot_ids)
        )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        _tutoring_error(data.get("title", ""), data.get("content", ""))
        return data


class ApproveProviderForm(forms.Form):
    until = forms.DateField(label=_("白名单有效期至"), widget=DATE)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CourseChoiceField(forms.ModelChoiceField[Course]):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.title} · {obj.provider.name if obj.provider else ''}"


class CourseRequestForm(forms.Form):
    course = CourseChoiceField(label=_("课程"), queryset=Course.objects.none())
    slot = forms.ModelChoiceField(label=_("时段"), queryset=TimeSlot.objects.none())
    seats_wanted = forms.IntegerField(label=_("需要名额"), min_value=1, max_value=500)
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, courses: Any, slot_ids: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "course", CourseChoiceField).queryset = courses
        field_of(self, "slot", forms.ModelChoiceField).queryset = TimeSlot.objects.filter(
            pk__in=list(slot_ids)
        )


class ConfirmRequestForm(forms.Form):
    instructor = forms.ModelChoiceField(label=_("授课人员"), queryset=Instructor.objects.none())
    seats = forms.IntegerField(label=_("名额"), min_value=1, max_value=500)
    price = forms.DecimalField(
        label=_("收费（元/学期）"), min_value=0, max_digits=8, decimal_places=2
    )
    reply = forms.CharField(
        label=_("答复"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "instructor", forms.ModelChoiceField).queryset = Instructor.objects.filter(
            provider=provider, active=True, background_check_expires__gte=timezone.localdate()
        )


class SlotsForm(forms.Form):
    slots = forms.ModelMultipleChoiceField(
        label=_("课后服务时段"),
        queryset=TimeSlot.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )


class SupplyRunForm(forms.ModelForm[SupplyRun]):
    class Meta:
        model = SupplyRun
        fields = ["term", "target", "seed", "time_limit_s"]
        labels = {"term": _("学期")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "term", forms.ModelChoiceField).queryset = Term.objects.all()
        current = Term.objects.filter(is_current=True).first()
        if current is not None and not self.is_bound:
            self.initial.setdefault("term", current.pk)
