"""Locust users for benchmarks/bench_choice_load.py: parents ranking at window opening.

CHOICE_PARENTS names the seed JSON (window, offerings, one session per parent); each user takes
the next parent in turn and runs the whole flow as one task, so a run that is told to stop lets
it finish the parent in hand. Accepted forms are written to CHOICE_ACCEPTED when locust quits.
"""

from __future__ import annotations

import itertools
import json
import os
import re

from locust import HttpUser, events, task
from locust.exception import StopUser

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')

SEED = json.loads(open(os.environ["CHOICE_PARENTS"], encoding="utf-8").read())  # noqa: SIM115
PARENTS = itertools.count()
ACCEPTED: dict[str, tuple[list[str], list[int]]] = {}  # student -> (tokens accepted, last plan)
# student -> every form sent, answered or not: [token, plan]. A form whose answer never came
# (the run stopped with it in flight, or the connection failed) may or may not be stored: the
# check allows either, but never a form stored twice or a form that was never sent.
SENT: dict[str, list[tuple[str, list[int]]]] = {}


@events.quitting.add_listener
def _write_accepted(environment, **kwargs):
    with open(os.environ["CHOICE_ACCEPTED"], "w", encoding="utf-8") as fh:
        json.dump({"accepted": ACCEPTED, "sent": SENT}, fh)


class Parent(HttpUser):
    @task
    def rank_and_change(self) -> None:
        i = next(PARENTS)
        if i >= len(SEED["parents"]):
            raise StopUser
        p = SEED["parents"][i]
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", p["session"])
        url = f"/enrolment/choose/{SEED['window']}/{p['student']}/"
        offerings = SEED["offerings"]
        k = len(offerings)
        plans = [
            [offerings[i % k], offerings[(i + 1) % k], offerings[(i + 2) % k]],
            [offerings[(i + 3) % k], offerings[i % k]],
        ]
        student = str(p["student"])
        for n, plan in enumerate(plans):
            page = self.client.get(url, name="GET rank page")
            if page.status_code != 200:
                return
            csrf, token = CSRF_RE.search(page.text), TOKEN_RE.search(page.text)
            if not csrf or not token:
                return
            form = {"csrfmiddlewaretoken": csrf.group(1), "token": token.group(1)}
            for r, oid in enumerate(plan, start=1):
                form[f"choice_{r}"] = str(oid)
            for _ in range(2 if n == 0 else 1):  # the first form is sent twice (a double tap)
                SENT.setdefault(student, []).append((form["token"], plan))
                with self.client.post(
                    url,
                    data=form,
                    headers={"Referer": self.host + url},
                    allow_redirects=False,
                    name="POST ranking",
                    catch_response=True,
                ) as resp:
                    if resp.status_code == 302 and "/receipts/" in resp.headers.get("Location", ""):
                        tokens, _last = ACCEPTED.setdefault(student, ([], plan))
                        tokens.append(form["token"])
                        ACCEPTED[student] = (tokens, plan)
                        resp.success()
                    else:
                        resp.failure(f"not accepted: {resp.status_code}")
