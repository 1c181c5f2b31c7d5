"""Courses: subject tutoring refused at submission and in review; bureau approval per course."""

from __future__ import annotations

import pytest

from junheng.afterschool import actions
from junheng.afterschool.forms import CourseForm
from junheng.afterschool.models import Course, CourseEvent, CourseStatus
from junheng.afterschool.tutoring import tutoring_matches, tutoring_terms
from junheng.errors import ActionError
from tests.afterschool.conftest import COURSE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "content", "found"),
    [
        ("小学奥数思维", "", ["奥数"]),
        ("快乐阅读", "通过阅读理解训练提高考试成绩", ["阅读理解"]),
        ("英语同步辅导", "", ["英语", "同步辅导"]),
        ("数学培优班", "", ["数学", "培优"]),
        ("Fun maths tutoring", "", ["maths tutoring"]),
        ("English lessons for grade 5", "", ["english lessons"]),
    ],
)
def test_tutoring_terms_are_found(title, content, found):
    assert tutoring_terms(title, content) == found


@pytest.mark.parametrize(
    ("title", "found", "as_written"),
    [
        ("数 学 培 优", ["数学", "培优"], ["数 学", "培 优"]),  # the spaced title
        ("语 文阅读", ["语文"], ["语 文"]),  # the second one
        ("ＭＡＴＨＳ　ｔｕｔｏｒｉｎｇ", ["maths tutoring"], ["maths tutoring"]),  # full-width
        ("数\u200b学思维", ["数学"], ["数\u200b学"]),  # a zero-width space inside
        ("英·语-口_语", ["英语"], ["英·语"]),  # punctuation between the characters
        ("小學補習班", ["补习"], ["補習"]),  # traditional characters
        ("t u t o r i n g for kids", ["tutoring"], ["tutoring"]),  # letter-spaced English
        ("奥　数", ["奥数"], ["奥　数"]),  # an ideographic space
    ],
)
def test_spacing_and_look_alike_characters_do_not_hide_a_word(title, found, as_written):
    matches = tutoring_matches(title, "")
    assert [m.term for m in matches] == found
    assert [m.excerpt for m in matches] == as_written


@pytest.mark.parametrize("title", ["intuition games", "快乐 阅读", "书 法", "Chinese calligraphy"])
def test_normalising_does_not_flag_innocent_titles(title):
    assert tutoring_matches(title, "兴趣培养，不布置作业。") == []


def test_refusal_names_the_word_and_how_it_was_written(make_provider):
    _s, p = make_provider()
    form = CourseForm(data={**COURSE, "title": "数 学 培 优"}, provider=p)
    assert not form.is_valid()
    text = " ".join(form.errors["__all__"])
    assert "数学（原文“数 学”）" in text and "培优（原文“培 优”）" in text


@pytest.mark.parametrize(
    "title", ["古琴入门", "书法与篆刻", "快乐阅读", "足球", "Chinese calligraphy", "机器人编程"]
)
def test_non_subject_courses_pass(title):
    assert tutoring_terms(title, "兴趣培养，不布置作业。") == []


def test_form_refuses_tutoring_with_a_clear_message(make_provider):
    _s, p = make_provider()
    form = CourseForm(data={**COURSE, "title": "初中数学同步辅导"}, provider=p)
    assert not form.is_valid()
    msg = " ".join(form.non_field_errors())
    assert "不得开展学科类培训" in msg and "数学" in msg and "同步辅导" in msg


def test_submission_action_refuses_tutoring_and_writes_nothing(make_provider):
    staff, p = make_provider()
    with pytest.raises(ActionError, match="不得开展学科类培训") as err:
        actions.do_propose_course(p, by=staff, fields={**COURSE, "content": "语文作文提分"})
    assert "作文" in str(err.value)
    assert not Course.objects.filter(provider=p).exists()


def test_review_refuses_tutoring_smuggled_in_after_submission(make_provider, make_course, users):
    staff, p = make_provider()
    course = make_course(p, staff, approve=False)
    # An edit outside the forms (e.g. the admin) cannot get tutoring past the review.
    Course.objects.filter(pk=course.pk).update(content="寒假补习，新概念英语")
    course.refresh_from_db()
    with pytest.raises(ActionError, match="不得开展学科类培训"):
        actions.do_approve_course(course, by=users["bureau"])
    assert Course.objects.get(pk=course.pk).status == CourseStatus.SUBMITTED
    actions.do_reject_course(course, by=users["bureau"], reason="学科类培训")
    assert course.status == CourseStatus.REJECTED and course.review_reason == "学科类培训"


def test_bureau_approves_each_course_and_history_is_kept(make_provider, make_course, users):
    staff, p = make_provider()
    course = make_course(p, staff, approve=False)
    assert course.status == CourseStatus.SUBMITTED
    actions.do_approve_course(course, by=users["bureau"])
    steps = list(
        CourseEvent.objects.filter(course=course).values_list("from_status", "to_status", "by")
    )
    assert steps == [
        ("draft", "submitted", staff.pk),
        ("submitted", "approved", users["bureau"].pk),
    ]


def test_course_review_needs_a_reason_and_a_submitted_course(make_provider, make_course, users):
    staff, p = make_provider()
    course = make_course(p, staff, approve=False)
    with pytest.raises(ActionError, match="驳回课程必须填写理由"):
        actions.do_reject_course(course, by=users["bureau"], reason="")
    actions.do_approve_course(course, by=users["bureau"])
    with pytest.raises(ActionError, match="只有待审核的课程可以通过"):
        actions.do_approve_course(course, by=users["bureau"])


def test_grades_must_be_in_order(make_provider):
    _s, p = make_provider()
    form = CourseForm(data={**COURSE, "grade_min": 6, "grade_max": 3}, provider=p)
    assert not form.is_valid() and "grade_max" in form.errors


def test_school_course_also_refuses_tutoring(region, users):
    with pytest.raises(ActionError, match="不得开展学科类培训"):
        actions.do_create_school_course(
            region["school_a"], by=users["school"], fields={**COURSE, "title": "数学补课"}
        )


def test_terms_hidden_inside_ordinary_words_do_not_trip_the_rule():
    assert tutoring_terms("篮球", "提高考试之外的运动能力，集中考察团队协作") == []


def test_reviewer_sees_the_word_matched_and_how_it_was_written(
    make_provider, make_course, users, client
):
    staff, p = make_provider()
    course = make_course(p, staff, approve=False)
    Course.objects.filter(pk=course.pk).update(title="趣味 数 学 培 优 营")
    client.force_login(users["bureau"])
    page = client.get("/afterschool/courses/review/").content.decode()
    assert 'data-testid="tutoring-flag"' in page
    assert "<strong>数学</strong>" in page and "<mark>数 学</mark>" in page
    assert "<strong>培优</strong>" in page and "<mark>培 优</mark>" in page
    with pytest.raises(ActionError, match="数学（原文“数 学”）"):
        actions.do_approve_course(Course.objects.get(pk=course.pk), by=users["bureau"])
