"""The load of one page, as bench/run.py starts it: `locust --headless` with BENCH_PLAN (the
JSON file that names each page's address, its role's session cookie and, for the feedback
POST, the form's fields) and BENCH_PAGE (the page of this run).

Each simulated person asks for the page again as soon as the answer is in (no think time):
the numbers are what the server sustains. An answer other than the expected status fails."""

import json
import os
import re

from locust import HttpUser, constant, task

PLAN = json.loads(open(os.environ["BENCH_PLAN"], encoding="utf-8").read())  # noqa: SIM115
PAGE = PLAN["pages"][os.environ["BENCH_PAGE"]]
HIDDEN = re.compile(r'name="(csrfmiddlewaretoken|submission_token)" value="([^"]+)"')


class Visitor(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.cookies.update(PLAN["cookies"][PAGE["role"]])

    @task
    def visit(self):
        name = os.environ["BENCH_PAGE"]
        if PAGE["method"] == "GET":
            with self.client.get(PAGE["url"], name=name, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"answered {response.status_code}")
            return
        # The feedback POST: the form is fetched for its tokens (under its own name, so that
        # the POST's numbers are the POST's alone), then posted; success is the redirect.
        form = self.client.get(PAGE["url"], name=f"{name} (its GET)")
        fields = dict(HIDDEN.findall(form.text))
        with self.client.post(
            PAGE["url"],
            data={**PAGE["data"], **fields},
            headers={"Referer": PLAN["host"] + PAGE["url"]},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"answered {response.status_code}")
