"""Every role tries what it must not, over the whole URL conf (crawled, not listed by hand).

The URL conf is walked; each path parameter is filled with a real object of the small county
(owned by the urban demo school, the demo parent's child, the demo provider…). Then:

- anonymous visitors try every non-public URL (GET and POST): sent to the login page, 401,
  403, 404 or 405, never served;
- parents, teachers and providers try every staff URL (GET and POST);
- every role but the bureau tries every Django admin URL: sent to the admin login;
- the rural school's admin tries every URL of the urban school's objects;
- the second parent tries every URL of the first parent's child;
- every role GETs every URL, and no GET changes a row of the database (audit rows, sessions
  and login throttling excepted): no write on GET;
- none of the refused POSTs changes a row either.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import FIGURES

ROLES = (
    "anonymous",
    "bureau",
    "school_urban",
    "school_rural",
    "provider",
    "parent",
    "parent2",
    "teacher",
)

# Served to anyone (the public white list, registration, public draw and placement records).
PUBLIC = {
    "login",
    "public_index",
    "logout",
    "set_language",
    "healthz",
    "afterschool:public_providers",
    "afterschool:register",
    "enrolment:draw_public",
    "enrolment:draw_file",
    "placement:public",
    "api-1:health",
    "api-1:api-root",
    "api-1:openapi-json",
    "api-1:openapi-view",
    "api-1:list_white_list",
    "api-1:draw",
    "api-1:public_record",
    "communities:public",
    "admin:login",
    "admin:logout",
}
# Role routers: a page that sends each role to its own part (a redirect is the answer).
ROUTERS = {"enrolment:index", "placement:index", "rotation:index"}

# Staff pages (bureau or school): a parent, teacher or provider must never be served them.
STAFF_PREFIXES = (
    "region:",
    "quotas:",
    "placement:",
    "afterschool:vetting",
    "afterschool:course_review",
    "afterschool:supply",
    "afterschool:placement_act",
    "afterschool:school_",
    "enrolment:index",
    "enrolment:window",
    "enrolment:county_report",
    "enrolment:settlement",
    "enrolment:school_bills",
    "balance:dashboard",
    "balance:gaps",
    "balance:whatif",
    "balance:trend",
    "balance:snapshot",
    "balance:export",
    "balance:report",
    "balance:guarantee",
    "rotation:index",
    "rotation:round",
    "rotation:rules",
    "rotation:run",
    "rotation:pin",
    "rotation:unpin",
    "rotation:publish",
    "rotation:export",
    "rotation:needs",
    "rotation:confirm",
    "rotation:school",
    "rotation:stints",
    "rotation:stint_returned",
)
NOT_STAFF_ONLY = {"placement:public", "placement:my", "quotas:mine", "quotas:mine_export"}

# Tables a GET may write: who looked (audit), sessions, login throttling and the job scheduler.
MAY_CHANGE_ON_GET = {
    "accounts.auditlog",
    "accounts.throttlehit",
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "jobs.workerbeat",
    "jobs.periodicslot",
}


def _walk(patterns, prefix="", ns=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or ns)
        elif isinstance(p, URLPattern) and p.name:
            name = f"{ns}:{p.name}" if ns else p.name
            yield name, p


def _first(label, **filters):
    model = apps.get_model(label)
    obj = model.objects.filter(**filters).order_by("pk").first()
    return obj.pk if obj is not None else 999_999


def _params(users):
    """A value for every path parameter name: objects of the urban school, the first parent's
    child, the demo provider (so the rural school and the second parent are outsiders)."""
    urban = users["school_urban"].school
    child = users["parent"].guardianships.order_by("student__code").first().student
    provider_id = users["provider"].provider_staff.provider_id
    window = _first("enrolment.ChoiceWindow", school=child.school)
    return {
        "school_id": urban.pk,
        "student_id": child.pk,
        "document_id": _first("afterschool.ProviderDocument", provider_id=provider_id),
        "photo_id": _first("afterschool.CoursePhoto"),
        "instructor_id": _first("afterschool.Instructor", provider_id=provider_id),
        "request_id": _first("afterschool.CourseRequest"),
        "provider_id": _first("afterschool.Provider"),
        "course_id": _first("afterschool.Course"),
        "run_id": _first("afterschool.SupplyRun"),
        "placement_id": _first("placement.Placement", school=urban),
        "offering_id": _first("afterschool.Offering", school=urban),
        "window_id": window,
        "draw_id": _first("enrolment.Draw"),
        "ranking_id": _first("enrolment.Ranking", student=child),
        "offer_id": _first("enrolment.WaitlistOffer", entry__student=child),
        "enrolment_id": _first("enrolment.Enrolment", student=child),
        "team_id": _first("placement.TeacherTeam"),
        "stint_id": _first("rotation.Stint"),
        "round_id": _first("rotation.RotationRound"),
        "pin_id": _first("rotation.Pin"),
        "table_id": _first("quotas.QuotaTable"),
        "high_school_id": _first("quotas.HighSchool"),
        "job_id": _first("jobs.Job"),
        "kind": "students",
        "verb": "close",
        "name": "students",
        "year": 2026,
        "object_id": "1",
        "content_type_id": "1",
        "app_label": None,  # taken from the admin pattern below
    }


def _url(name, pattern, params):
    kwargs = {}
    for key in pattern.pattern.converters:
        kwargs[key] = params.get(key, 1)
    if name.startswith("admin:"):
        regex = str(pattern.pattern)
        if "app_label" in regex:
            kwargs["app_label"] = "region"
        if "object_id" in regex:
            kwargs["object_id"] = "1"
        if "content_type_id" in regex:
            kwargs["content_type_id"] = "1"
    if name == "placement:bulk_detail" or name.startswith("placement:bulk_"):
        kwargs = {**kwargs, "run_id": _first("placement.BulkPlacementRun")}
    if name == "placement:delete_request":
        kwargs = {**kwargs, "request_id": _first("placement.PlacementRequest")}
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:  # noqa: BLE001 - a pattern we cannot fill (regex-only admin views)
        return None


def _fingerprint():
    counts = {}
    for model in apps.get_models():
        if model._meta.label_lower in MAY_CHANGE_ON_GET or not model._meta.managed:
            continue
        counts[model._meta.label_lower] = model.objects.count()
    return counts


def _refused(response, *, admin=False):
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code == 302:
        where = response["Location"]
        return "/admin/login/" in where if admin else "/login/" in where
    return False


def _client(users, role):
    c = Client()
    if role != "anonymous":
        c.force_login(users[role])
    return c


def _is_staff_only(name):
    return name not in NOT_STAFF_ONLY | ROUTERS and name.startswith(STAFF_PREFIXES)


def _urls(users):
    params = _params(users)
    out = []
    for name, pattern in _walk(get_resolver().url_patterns):
        url = _url(name, pattern, params)
        if url is not None:
            out.append((name, url))
    return out


def _check(client, name, url, method, failures, *, admin=False):
    response = getattr(client, method)(url)
    FIGURES[f"tried {method.upper()}"] += 1
    if _refused(response, admin=admin):
        FIGURES["refused"] += 1
    else:
        failures.append(f"{method.upper()} {name} {url} -> {response.status_code}")


@pytest.mark.django_db
def test_every_role_is_refused_what_it_must_not_use_and_nothing_changes(world):
    users = world
    urls = _urls(users)
    site = [(n, u) for n, u in urls if not n.startswith("admin:")]
    admin = [(n, u) for n, u in urls if n.startswith("admin:")]
    FIGURES["URLs crawled (site)"] = len(site)
    FIGURES["URLs crawled (admin)"] = len(admin)
    before = _fingerprint()
    failures: list[str] = []

    anon = _client(users, "anonymous")
    for name, url in site:
        if name in PUBLIC:
            continue
        for method in ("get", "post"):
            _check(anon, name, url, method, failures)
    for role in ("parent", "parent2", "teacher", "provider"):
        c = _client(users, role)
        for name, url in site:
            if _is_staff_only(name):
                for method in ("get", "post"):
                    _check(c, name, url, method, failures)
    for role in ROLES:
        if role == "bureau":
            continue
        c = _client(users, role)
        for name, url in admin:
            if name not in PUBLIC:
                _check(c, name, url, "get", failures, admin=True)
    # Another school's objects: the rural admin on every URL that names an urban object.
    rural = _client(users, "school_rural")
    owned = ("school_id", "placement_id", "offering_id")
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("admin:") or name in PUBLIC:
            continue
        if set(pattern.pattern.converters) & set(owned):
            url = dict(urls).get(name)
            if url and not name.startswith(("balance:school", "quotas:")):
                for method in ("get", "post"):
                    _check(rural, name, url, method, failures)
    # Another family's child: the second parent on every URL that names the first one's child.
    other = _client(users, "parent2")
    family = ("student_id", "ranking_id", "offer_id", "enrolment_id")
    for name, pattern in _walk(get_resolver().url_patterns):
        if set(pattern.pattern.converters) & set(family) and not name.startswith("admin:"):
            url = dict(urls).get(name)
            if url and not name.startswith(("api-1:", "region:")):
                for method in ("get", "post"):
                    _check(other, name, url, method, failures)

    assert failures == [], "\n".join(failures)
    assert _fingerprint() == before, "a refused request changed the database"


@pytest.mark.django_db
def test_no_get_writes_anything_for_any_role(world):
    users = world
    urls = [(n, u) for n, u in _urls(users) if not n.startswith("admin:") and n != "logout"]
    before = _fingerprint()
    n = 0
    for role in ROLES:
        c = _client(users, role)
        for name, url in urls:
            c.get(url)
            n += 1
            after = _fingerprint() if name.endswith(("bills", "results", "notifications")) else None
            assert after is None or after == before, f"GET {name} as {role} wrote {url}"
    FIGURES["GETs without a write (every role x every site URL)"] = n
    changed = {k: (before[k], v) for k, v in _fingerprint().items() if before.get(k) != v}
    assert changed == {}
