"""A table-driven permission matrix: every role tries a URL and must get the expected status.

Other apps extend it with their own table in their own test file:

    from tests.accounts.matrix import Case, expect, STAFF, run_case

    CASES = [
        Case("menu page", lambda r: reverse("afterschool:menu"), STAFF),
        Case("offering of school B", lambda r: f"/api/afterschool/offerings/{...}",
             expect(200, anonymous=401, school=404)),
    ]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_permission_matrix(client, users, region, case):
        run_case(client, users, region, case)

`users` (tests/conftest.py) gives: bureau; school = admin of school A; school_b = admin of
school B; provider; parent = guardian of student A (in school A); teacher = teacher A.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ROLES = ("anonymous", "bureau", "school", "school_b", "provider", "parent", "teacher")


def expect(default: int | None = None, **by_role: int) -> dict[str, int]:
    """Expected status per role: `default` for every role not named."""
    unknown = set(by_role) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    out = {role: by_role.get(role, default) for role in ROLES}
    missing = [r for r, v in out.items() if v is None]
    if missing:
        raise ValueError(f"no expectation for {missing}")
    return out  # type: ignore[return-value]


# Common shapes.
ANY_USER = expect(200, anonymous=302)  # any logged-in role; anonymous -> login page
STAFF = expect(403, anonymous=302, bureau=200, school=200, school_b=200)  # bureau + school admins
BUREAU_ONLY = expect(403, anonymous=302, bureau=200)
# A page about school A's data: the other school's admin is told it does not exist.
SCHOOL_A = expect(403, anonymous=302, bureau=200, school=200, school_b=404)
SCHOOL_B = expect(403, anonymous=302, bureau=200, school=404, school_b=200)
API_ANY_USER = expect(200, anonymous=401)


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[Mapping[str, Any]], str]  # the `region` fixture -> URL
    expected: Mapping[str, int]
    method: str = "get"
    data: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if set(self.expected) != set(ROLES):
            raise ValueError(f"{self.name}: expectations must name every role")


def status_for(
    client: Any, users: Mapping[str, Any], region: Mapping[str, Any], case: Case, role: str
) -> int:
    client.logout()
    if role != "anonymous":
        client.force_login(users[role])
    send = getattr(client, case.method)
    response = send(case.url(region), data=case.data or {})
    return int(response.status_code)


def run_case(client: Any, users: Mapping[str, Any], region: Mapping[str, Any], case: Case) -> None:
    """Every role tries the case; one assertion shows the whole row of the matrix on failure."""
    got = {role: status_for(client, users, region, case, role) for role in ROLES}
    assert got == dict(case.expected), f"{case.name}: got {got}"
