"""Locust users for benchmarks/bench_choice_load.py: parents ranking at window opening.

CHOICE_PARENTS names the seed JSON (window, offerings, one session per parent); each user takes
the next parent in turn and runs the whole flow as one task, so a run that is told to stop lets
it finish the parent in hand. Accepted forms are written to CHOICE_ACCEPTED when locust quits.

CHOICE_THINK="a-b" makes each parent read the page for a uniformly drawn a to b seconds before
each form it sends and before it comes back to change its choices (a real parent reads the
course cards); unset or "0", the parents send their next request the moment an answer comes
(a closed loop: what the server can do at most). The users are locust's FastHttpUser
(geventhttpclient), which costs the 2 shared cores a fraction of what `requests` does.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from http.cookiejar import Cookie

from locust import events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')

THINK = tuple(float(x) for x in os.environ.get("CHOICE_THINK", "0").split("-"))
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


def think() -> None:
    if THINK[-1] > 0:
        time.sleep(random.uniform(THINK[0], THINK[-1]))  # gevent patches sleep: a yield


def session_cookie(value: str) -> Cookie:
    return Cookie(
        0, "sessionid", value, None, False, "127.0.0.1", False, False, "/", True, False, None,
        True, None, None, {},
    )  # fmt: skip


class Parent(FastHttpUser):
    @task
    def rank_and_change(self) -> None:
        i = next(PARENTS)
        if i >= len(SEED["parents"]):
            raise StopUser
        p = SEED["parents"][i]
        self.client.cookiejar.clear()
        self.client.cookiejar.set_cookie(session_cookie(p["session"]))
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
            think()
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
