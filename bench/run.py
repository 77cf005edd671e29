"""`make bench SIZE=S`: the app as production serves it, on a generated organisation, measured.

    python -m bench.run --size S [--seconds 20] [--users 3] [--reseed]

1. The database `werkplek_bench_<size>` is generated once by `seed_scale --size <size>` and
   marked as such (a comment on the database); each run works on a fresh copy of it
   (`..._run`, dropped at the end), so every run starts from the same data and may write.
2. gunicorn serves the app (DEBUG off, collected static files through whitenoise, three
   workers, the settings in bench/settings.py: production's plus the floor page), a real
   Celery worker runs on Redis, and a local SMTP server (aiosmtpd) takes the mail.
3. It signs in over HTTP as the generated organisation's learner, coach and manager (the demo
   logins), counts each page's queries and HTML bytes with one request in this process, then
   loads each page in turn with locust (headless, `--users` people asking without pause) and
   reads p50, p95 and requests per second; the floor is loaded first and last.
4. Through the worker: seconds from a feedback POST until the program dashboard shows it, the
   nightly full roll-up, and reminders delivered per minute by one worker, with duplicates.

It prints a markdown table (and writes it to var/bench/size-<size>.md). It exits non-zero
when a page answers anything but what it should, or a step fails; never on slowness.
"""

import argparse
import collections
import contextlib
import datetime
import gzip
import hashlib
import html.parser
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import requests
from aiosmtpd.controller import Controller

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "var" / "bench"
SIZES = ("S", "M", "L", "XL")
GUNICORN_WORKERS = 3
FEEDBACK_ROUNDS = 3
FORM_BUDGET = 150 * 1024  # the feedback form's first visit, transferred (issue 17)
# (name, what the table calls it, whose page, method); the floor comes first and last.
PAGES = [
    ("floor", "floor (session only)", "learner", "GET"),
    ("progress", "learner: progress page", "learner", "GET"),
    ("coach_learners", "coach: my learners", "coach", "GET"),
    ("feedback_form", "coach: feedback form", "coach", "GET"),
    ("feedback_post", "coach: feedback POST", "coach", "POST"),
    ("attention", "manager: attention list", "manager", "GET"),
    ("program_list", "manager: program list", "manager", "GET"),
    ("group", "manager: group page", "manager", "GET"),
    ("people", "manager: people page", "manager", "GET"),
    ("program_dashboard", "manager: program dashboard", "manager", "GET"),
    ("kpi_dashboard", "manager: organisation KPI dashboard", "manager", "GET"),
]


class BenchError(Exception):
    """A step that did not work: the run fails (unlike a slow one)."""


STARTED = time.monotonic()


def step(text: str) -> None:
    print(f"bench [{time.monotonic() - STARTED:4.0f} s] {text}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="S", type=str.upper)
    parser.add_argument("--seconds", type=int, default=20, help="load per page (default 20)")
    parser.add_argument("--users", type=int, default=GUNICORN_WORKERS, help="concurrent people")
    parser.add_argument(
        "--reminders", type=int, default=500, help="learners reminded (default 500)"
    )
    parser.add_argument("--reseed", action="store_true", help="generate the data again")
    parser.add_argument(
        "--only", choices=["reminders"], help="measure only this part (no pages, no report file)"
    )
    args = parser.parse_args(argv)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # A stopped run still stops its server and worker and drops its copy of the data.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(1))
    with Bench(args) as bench:
        try:
            report = bench.run()
        except BenchError as error:
            print(f"bench: FAILED: {error}", file=sys.stderr)
            return 1
    print(report)
    if args.only:
        return 0
    path = OUT_DIR / f"size-{args.size}.md"
    path.write_text(report, encoding="utf-8")
    print(f"(written to {path.relative_to(BASE_DIR)})")
    return 0


def reminder_rows(reminders: dict) -> list[str]:
    """The report's two rows about reminders."""
    rate = reminders["per_minute"]
    return [
        f"| reminders delivered per minute, one worker | "
        f"{f'{rate:,.0f}' if rate else '–'} ({reminders['queued']} reminders) | ≥ 10,000 |",
        f"| reminders delivered twice (by Message-ID) | {reminders['duplicates']} | 0 |",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class MailSink:
    """A local SMTP server that counts what it takes by Message-ID, with the time of each."""

    def __init__(self):
        self.accepted = collections.Counter()
        self.times = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message_id = next(
            (
                line.split(b":", 1)[1].strip().decode()
                for line in envelope.original_content.splitlines()
                if line.lower().startswith(b"message-id:")
            ),
            "",
        )
        with self.lock:
            self.accepted[message_id] += 1
            self.times.append(time.monotonic())
        return "250 OK"


class Assets(html.parser.HTMLParser):
    """The style sheets and scripts a page loads."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "") and attrs.get("href"):
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


class Bench:
    def __init__(self, args):
        self.args = args
        self.size = args.size
        self.server_url = os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/werkplek"
        )
        self.seeded_db = f"werkplek_bench_{self.size.lower()}"
        # Its own copy: two runs at once (a second checkout) never drop each other's.
        self.run_db = f"{self.seeded_db}_run_{os.getpid()}"
        self.redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.port = free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        self.processes = {}
        self.sink = MailSink()
        self.smtp = None
        self.loads = []  # os.getloadavg() at each step, for the report
        self.worker_log = OUT_DIR / "worker.log"

    # -- set-up and tear-down ------------------------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for name in list(self.processes):
            self.stop(name)
        if self.smtp:
            self.smtp.stop()
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        with contextlib.suppress(psycopg2.Error):
            self.admin(f'DROP DATABASE IF EXISTS "{self.run_db}"')

    def admin(self, sql, params=None):
        """Run one statement on the server's maintenance database; returns the rows."""
        connection = psycopg2.connect(with_database(self.server_url, "postgres"))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def env(self, database, **extra):
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": with_database(self.server_url, database),
            "REDIS_URL": self.redis_url,
            "CACHE_URL": self.redis_url,
            "DEBUG": "false",
            "COLLECTED_STATIC": "true",
            "SITE_URL": self.host,
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def manage(self, database, *command):
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=self.env(database),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise BenchError(f"manage.py {' '.join(command)}:\n{result.stdout}{result.stderr}")
        return time.monotonic() - started, result.stdout

    def prepare_database(self) -> str:
        """The seeded database (generated only when missing or generated otherwise), and a
        fresh copy of it for this run."""
        marker = f"werkplek bench: seed_scale --size {self.size} ({generator_digest()})"
        rows = self.admin(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [self.seeded_db],
        )
        note = "already generated"
        if self.args.reseed or not rows or rows[0][0] != marker:
            self.admin(f'DROP DATABASE IF EXISTS "{self.seeded_db}"')
            self.admin(f'CREATE DATABASE "{self.seeded_db}"')
            self.manage(self.seeded_db, "migrate", "--no-input", "-v", "0")
            took, output = self.manage(self.seeded_db, "seed_scale", "--size", self.size)
            print(output)
            self.admin(f"COMMENT ON DATABASE \"{self.seeded_db}\" IS '{marker}'")
            note = f"generated in {took:.0f} s"
        else:
            self.manage(self.seeded_db, "migrate", "--no-input", "-v", "0")
        self.admin(f'DROP DATABASE IF EXISTS "{self.run_db}"')
        self.admin(f'CREATE DATABASE "{self.run_db}" TEMPLATE "{self.seeded_db}"')
        return note

    def start(self, name, command, **env):
        log = open(OUT_DIR / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115
        self.processes[name] = (
            subprocess.Popen(  # noqa: S603
                command,
                cwd=BASE_DIR,
                env=self.env(self.run_db, **env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ),
            log,
        )

    def stop(self, name):
        process, log = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()

    def check_alive(self):
        for name, (process, _log) in self.processes.items():
            if process.poll() is not None:
                raise BenchError(
                    f"{name} stopped (exit {process.returncode}): see var/bench/{name}.log"
                )

    def start_server(self):
        self.start(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "werkplek.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(GUNICORN_WORKERS),
                "--access-logfile",
                "-",
            ],  # fmt: skip
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.check_alive()
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.host}/healthz/", timeout=30).json()["broker"] == "ok":
                    return
            time.sleep(0.2)
        raise BenchError("gunicorn did not answer /healthz/ within a minute")

    def start_worker(self):
        self.start(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "werkplek",
                "worker",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],  # fmt: skip
            EMAIL_URL=f"smtp://127.0.0.1:{self.smtp.port}",
        )
        from werkplek.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.check_alive()
            if app.control.ping(timeout=0.5):
                return
        raise BenchError("the Celery worker did not answer a ping within a minute")

    def wait_for_idle_worker(self, seconds=600):
        """Until the worker has run everything queued (the load's roll-ups)."""
        import redis

        from werkplek.celery import app

        broker = redis.Redis.from_url(self.redis_url)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            if broker.llen("celery") == 0:
                active = app.control.inspect(timeout=1).active() or {}
                if not any(active.values()):
                    return
            time.sleep(0.5)
        raise BenchError(f"the worker was still busy after {seconds} s")

    def setup_django(self):
        os.environ.update(self.env(self.run_db))
        import django

        django.setup()

    # -- the run -------------------------------------------------------------------------

    def run(self) -> str:
        self.loads.append(("start", os.getloadavg()))
        step(f"database {self.seeded_db}, copied to {self.run_db}")
        seed_note = self.prepare_database()
        if not self.args.only and collected_static_is_stale():
            step("collectstatic")
            self.manage(self.run_db, "collectstatic", "--no-input", "-v", "0")
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        self.setup_django()
        from werkplek.celery import app

        app.control.purge()  # what an earlier, interrupted run left is not this run's
        if self.args.only == "reminders":
            step("reminders into the SMTP sink")
            return "\n".join(reminder_rows(self.reminders()))
        step("starting the Celery worker and gunicorn")
        self.start_worker()
        self.start_server()
        plan = self.plan()
        step("signing in as " + ", ".join(self.people.values()))
        plan["cookies"] = {role: self.sign_in(role, email) for role, email in self.people.items()}
        rows = {name: {} for name, *_rest in PAGES} | {"floor_end": {}}
        step("counting each page's queries and bytes")
        self.count_queries(plan, rows)
        transferred = self.first_visit(plan)
        plan_file = OUT_DIR / "plan.json"
        plan_file.write_text(json.dumps(plan), encoding="utf-8")
        self.loads.append(("before load", os.getloadavg()))
        for name, *_rest in [*PAGES, PAGES[0]]:
            step(f"load: {name}, {self.args.users} people, {self.args.seconds} s")
            result = self.load(plan_file, name)
            rows["floor_end" if name in rows and "p95" in rows[name] else name].update(result)
        self.loads.append(("after load", os.getloadavg()))
        step("waiting for the worker to finish the load's roll-ups")
        self.wait_for_idle_worker()
        step("feedback POST until the program dashboard shows it")
        visible = self.feedback_until_dashboard(plan)
        step("the nightly full roll-up")
        rollup = self.full_rollup()
        self.loads.append(("after roll-up", os.getloadavg()))
        step("reminders into the SMTP sink")
        reminders = self.reminders()
        self.loads.append(("end", os.getloadavg()))
        return self.report(seed_note, rows, transferred, visible, rollup, reminders)

    def plan(self) -> dict:
        """Each page's address from the generated data: the demo learner's enrolment with
        the demo coach, its program and group, and the manager's organisation."""
        from django.urls import reverse

        from programs.models import Enrolment
        from werkplek.demo import COACH_EMAIL, LEARNER_EMAIL, MANAGER_EMAIL
        from werkplek.models import Organization, User

        self.people = {"learner": LEARNER_EMAIL, "coach": COACH_EMAIL, "manager": MANAGER_EMAIL}
        coach = User.objects.get(email=COACH_EMAIL)
        manager = User.objects.get(email=MANAGER_EMAIL)
        enrolment = (
            Enrolment.objects.coached_by(coach)
            .filter(learner__email=LEARNER_EMAIL)
            .select_related("cohort__program")
            .first()
        )
        if enrolment is None:
            raise BenchError("the generated data has no enrolment of the learner with the coach")
        organization = Organization.objects.managed_by(manager).get(
            pk=enrolment.cohort.program.organization_id
        )
        self.enrolment, self.goal = enrolment, enrolment.cohort.program.goals.first()
        if self.goal is None:
            raise BenchError("the learner's program has no goals")
        feedback = reverse("coaching:feedback-create", args=[enrolment.pk])
        urls = {
            "floor": reverse("bench-floor"),
            # "Mijn voortgang" sends a learner with one enrolment here.
            "progress": reverse("coaching:progress", args=[enrolment.pk]),
            "coach_learners": reverse("coaching:home"),
            "feedback_form": feedback,
            "feedback_post": feedback,
            "attention": reverse("coaching:attention"),
            "program_list": reverse("programs:list"),
            "group": reverse("programs:cohort-detail", args=[enrolment.cohort_id]),
            "people": reverse("organization-detail", args=[organization.slug]),
            "program_dashboard": reverse("kpis:dashboard", args=[enrolment.cohort.program_id]),
            "kpi_dashboard": reverse("kpis:organization-dashboard", args=[organization.slug]),
        }
        pages = {
            name: {"url": urls[name], "role": role, "method": method}
            for name, _label, role, method in PAGES
        }
        pages["feedback_post"]["data"] = self.feedback_data(level=2)
        return {"host": self.host, "pages": pages}

    def feedback_data(self, *, level: int) -> dict:
        from django.utils import timezone

        return {
            "occurred_on": timezone.localdate().isoformat(),
            "shift": "morning",
            "went_well": "Rustig en netjes gewerkt.",
            "to_improve": "Tempo aan het begin.",
            "next_step": "Morgen zelfstandig picken.",
            f"practised_{self.goal.pk}": "on",
            f"level_{self.goal.pk}": str(level),
        }

    def sign_in(self, role, email) -> dict:
        from werkplek.demo import DEMO_PASSWORD

        session = requests.Session()
        page = session.get(f"{self.host}/account/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = session.post(
            f"{self.host}/account/login/",
            data={"username": email, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302 or "login" in answer.headers.get("Location", ""):
            raise BenchError(f"signing in as the {role} ({email}) answered {answer.status_code}")
        return session.cookies.get_dict()

    def session(self, plan, role) -> requests.Session:
        session = requests.Session()
        session.cookies.update(plan["cookies"][role])
        return session

    def count_queries(self, plan, rows):
        """Queries and HTML bytes of one request per page, here with Django's test client
        (the second request: the first of a process fills its caches)."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from werkplek.models import User

        for name, _label, role, method in PAGES:
            page = plan["pages"][name]
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(User.objects.get(email=self.people[role]))
            client.get(page["url"])
            with CaptureQueriesContext(connection) as queries:
                if method == "GET":
                    response = client.get(page["url"])
                else:
                    response = client.post(page["url"], page["data"])
            expected = 200 if method == "GET" else 302
            if response.status_code != expected:
                raise BenchError(f"{name} {page['url']} answered {response.status_code}")
            rows[name]["queries"] = len(queries)
            rows[name]["html"] = len(response.content) if method == "GET" else None

    def first_visit(self, plan) -> dict:
        """The feedback form with its style sheets and scripts, gzipped as served."""
        session = self.session(plan, "coach")
        session.headers["Accept-Encoding"] = "gzip"
        sizes = {}

        def fetch(url):
            response = session.get(self.host + url, stream=True, timeout=30)
            body = response.raw.read(decode_content=False)
            if response.status_code != 200:
                raise BenchError(f"{url} answered {response.status_code}")
            sizes[url] = len(body)
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return body.decode("utf-8", "replace")

        assets = Assets()
        assets.feed(fetch(plan["pages"]["feedback_form"]["url"]))
        for url in assets.urls:
            fetch(url)
        return sizes

    def load(self, plan_file, name) -> dict:
        json_file = OUT_DIR / f"locust-{name}.json"
        seconds = self.args.seconds
        users = str(self.args.users)
        options = {
            "--locustfile": str(BASE_DIR / "bench" / "locustfile.py"),
            "--users": users,
            "--spawn-rate": users,
            "--run-time": f"{seconds}s",
            "--stop-timeout": "10",
            "--host": self.host,
            "--json-file": str(json_file.with_suffix("")),  # locust adds .json
            "--loglevel": "WARNING",
        }
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "locust", "--headless", "--only-summary"]
            + [part for option in options.items() for part in option],
            env={**os.environ, "BENCH_PLAN": str(plan_file), "BENCH_PAGE": name},
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        self.check_alive()
        # The JSON file, not the CSV: locust writes it after the last answers are in.
        entries = {entry["name"]: entry for entry in json.loads(json_file.read_text())}
        entry = entries.get(name)
        if entry is None or entry["num_requests"] == 0:
            raise BenchError(f"locust made no request of {name}:\n{result.stderr[-3000:]}")
        # Failures of the feedback POST's form GETs count too.
        if any(other["num_failures"] for other in entries.values()):
            failed = {other["name"]: other["num_failures"] for other in entries.values()}
            raise BenchError(f"{name}: failed requests {failed}:\n{result.stderr[-3000:]}")
        times = {float(ms): count for ms, count in entry["response_times"].items()}
        return {
            "requests": entry["num_requests"],
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "rps": entry["num_requests"] / seconds,
        }

    # -- through the worker --------------------------------------------------------------

    def feedback_until_dashboard(self, plan) -> list:
        """Seconds from a feedback POST (a new level of the learner's first goal) until the
        program dashboard, polled as the manager, shows it; FEEDBACK_ROUNDS times."""
        from coaching.selectors import levels_by_enrolment

        manager, coach = self.session(plan, "manager"), self.session(plan, "coach")
        dashboard = self.host + plan["pages"]["program_dashboard"]["url"]
        form = self.host + plan["pages"]["feedback_form"]["url"]
        current = levels_by_enrolment([self.enrolment.pk])[self.enrolment.pk][self.goal.pk].current
        level = 1 if current != 1 else 4
        seconds = []
        for _round in range(FEEDBACK_ROUNDS):
            before = self.normalised(manager.get(dashboard, timeout=30).text)
            fields = dict(
                re.findall(
                    r'name="(csrfmiddlewaretoken|submission_token)" value="([^"]+)"',
                    coach.get(form, timeout=30).text,
                )
            )
            started = time.monotonic()
            answer = coach.post(
                form, data={**self.feedback_data(level=level), **fields}, allow_redirects=False
            )
            if answer.status_code != 302:
                raise BenchError(f"the feedback POST answered {answer.status_code}")
            while self.normalised(manager.get(dashboard, timeout=30).text) == before:
                if time.monotonic() - started > 120:
                    raise BenchError("the dashboard did not show the feedback within 120 s")
                time.sleep(0.05)
            seconds.append(time.monotonic() - started)
            level = 4 if level == 1 else 1
        return seconds

    @staticmethod
    def normalised(page: str) -> str:
        """The page without what differs between any two answers (the masked CSRF token)."""
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    def full_rollup(self) -> dict:
        """The nightly roll-up task through the worker: the run time the worker logs."""
        from werkplek.celery import app

        started = time.monotonic()
        task_id = app.send_task("kpis.tasks.rollup_all_task").id
        done = re.compile(rf"rollup_all_task\[{task_id}\] succeeded in ([0-9.]+)s")
        while time.monotonic() - started < 3600:
            self.check_alive()
            match = done.search(self.worker_log_text())
            if match:
                return {"worker": float(match.group(1)), "wall": time.monotonic() - started}
            if f"rollup_all_task[{task_id}] raised" in self.worker_log_text():
                raise BenchError("the full roll-up failed: see var/bench/worker.log")
            time.sleep(0.2)
        raise BenchError("the full roll-up did not finish within an hour")

    def worker_log_text(self) -> str:
        return self.worker_log.read_text(encoding="utf-8", errors="replace")

    def reminders(self) -> dict:
        """Reminders delivered per minute by one worker. In this run's copy of the data only:
        `--reminders` learners get a running enrolment with a reflection due today, and only
        they have open reflections; every program reminds daily from midnight; no
        organisation has quiet hours. The reminder job queues one mail per learner while no
        worker runs; then one worker delivers them into the SMTP sink."""
        from django.db.models import Count
        from django.utils import timezone

        from coaching.models import Reflection
        from coaching.reminders import REFLECTION_REMINDER, reflection_reminders_schedule
        from programs.choices import ProgramStatus, ReminderRhythm
        from programs.models import Enrolment, Program
        from werkplek.models import Organization, OutboxMessage

        if "worker" in self.processes:
            self.stop("worker")
        from werkplek.celery import app

        app.control.purge()
        today = timezone.localdate()
        Organization.objects.update(
            working_weekdays=list(range(1, 8)),
            quiet_hours_start=datetime.time(0),
            quiet_hours_end=datetime.time(0),
        )
        Program.objects.update(reminder_rhythm=ReminderRhythm.DAILY, reminder_time=datetime.time(0))
        # Enough learners to remind: some whose enrolments all ended get their newest back.
        reopened = (
            Enrolment.objects.exclude(learner__in=Enrolment.objects.running().values("learner"))
            .exclude(cohort__program__status=ProgramStatus.ARCHIVED)
            .order_by("learner_id", "-ended_on")
            .distinct("learner_id")
            .values_list("pk", flat=True)[: self.args.reminders]
        )
        Enrolment.objects.filter(pk__in=list(reopened)).update(ended_on=None, end_reason="")
        reminded = list(
            Enrolment.objects.running()
            .order_by("learner_id")
            .values_list("pk", flat=True)[: self.args.reminders]
        )
        # Only these learners have reflections open: the others' are handed in.
        Reflection.objects.due().exclude(enrolment__in=reminded).update(submitted_at=timezone.now())
        Reflection.objects.bulk_create(Reflection(enrolment_id=pk, due_on=today) for pk in reminded)
        queued = reflection_reminders_schedule()
        rows = OutboxMessage.objects.filter(kind=REFLECTION_REMINDER)
        if queued == 0:
            raise BenchError("the reminder job queued no reminders")
        time.sleep(2)  # the hand-over thread puts the queued rows on the broker
        self.sink.accepted.clear()
        self.sink.times.clear()
        self.start_worker()
        started = time.monotonic()
        waiting = rows.filter(
            status__in=[OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING]
        )
        while waiting.exists():
            self.check_alive()
            if time.monotonic() - started > 120 + queued / 5:
                raise BenchError(
                    f"{waiting.count()} of {queued} reminders not delivered in time: see "
                    "var/bench/worker.log"
                )
            time.sleep(0.2)
        time.sleep(2)  # time enough for a duplicate to arrive too
        sent = rows.filter(status=OutboxMessage.Status.SENT).count()
        if sent < queued or len(self.sink.accepted) != sent:
            statuses = dict(rows.values_list("status").annotate(n=Count("pk")).order_by())
            raise BenchError(
                f"of {queued} reminders: {statuses}; the sink took {len(self.sink.accepted)}"
            )
        times = sorted(self.sink.times)
        span = times[-1] - times[0] if len(times) > 1 else 0
        return {
            "queued": queued,
            "per_minute": (len(times) - 1) / span * 60 if span else None,
            "duplicates": sum(count - 1 for count in self.sink.accepted.values()),
        }

    # -- the report ----------------------------------------------------------------------

    def report(self, seed_note, rows, transferred, visible, rollup, reminders) -> str:
        floor = (rows["floor"]["p95"] + rows["floor_end"]["p95"]) / 2
        lines = [
            f"## Size {self.size}",
            "",
            f"Measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC with "
            f"`make bench SIZE={self.size}` ({self.args.users} people per page for "
            f"{self.args.seconds} s, gunicorn with {GUNICORN_WORKERS} workers); "
            f"data {seed_note}.",
            "",
            "| page | p50 ms | p95 ms | req/s | queries | HTML bytes | p95 ÷ floor p95 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, label, _role, _method in PAGES:
            row = rows[name]
            html_bytes = f"{row['html']:,}" if row["html"] is not None else "(302)"
            lines.append(
                f"| {label} | {row['p50']:.0f} | {row['p95']:.0f} | {row['rps']:.1f} | "
                f"{row['queries']} | {html_bytes} | {row['p95'] / floor:.1f} |"
            )
        end = rows["floor_end"]
        lines.append(
            f"| floor again, at the end | {end['p50']:.0f} | {end['p95']:.0f} | "
            f"{end['rps']:.1f} | | | {end['p95'] / floor:.1f} |"
        )
        total = sum(transferred.values())
        form = next(iter(transferred))
        lines += [
            "",
            f"The floor's p95 is the mean of its two runs ({rows['floor']['p95']:.0f} and "
            f"{end['p95']:.0f} ms).",
            "",
            "| measure | result | target |",
            "| --- | ---: | ---: |",
            f"| feedback form, first visit, transferred (gzip) | {total / 1024:.1f} KB "
            f"(HTML {transferred[form] / 1024:.1f} KB + {len(transferred) - 1} CSS/JS files) "
            f"| ≤ {FORM_BUDGET // 1024} KB |",
            f"| feedback POST → program dashboard shows it | "
            f"{statistics.median(visible):.1f} s (median of "
            f"{', '.join(f'{s:.1f}' for s in visible)}) | ≤ 5 s |",
            f"| nightly full roll-up through the worker | {rollup['worker']:.1f} s "
            f"({rollup['wall']:.1f} s from sending) | ≤ 60 s at L |",
        ]
        lines += reminder_rows(reminders)
        lines += [
            "",
            "Load average (1, 5, 15 min): "
            + "; ".join(f"{when} {a:.2f} {b:.2f} {c:.2f}" for when, (a, b, c) in self.loads)
            + ".",
            "",
            f"Machine: {os.cpu_count()} CPUs, {memory_gib():.0f} GiB RAM, Python "
            f"{platform.python_version()}, {postgres_version()}.",
            "",
        ]
        return "\n".join(lines)


def generator_digest() -> str:
    """A digest of the code that generates the data: data generated by older code is
    generated again."""
    sources = [BASE_DIR / "werkplek" / "management" / "commands" / "seed_scale.py"]
    sources += BASE_DIR.glob("*/scale.py")
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def percentile(times: dict[float, int], fraction: float) -> float:
    """The response time below which `fraction` of the requests were answered, from
    locust's histogram {milliseconds (rounded as locust rounds them): requests}."""
    total = sum(times.values())
    below = 0
    for milliseconds in sorted(times):
        below += times[milliseconds]
        if below >= fraction * total:
            return milliseconds
    return max(times)


def collected_static_is_stale() -> bool:
    """Whether static/ or the pinned packages (the admin's files) changed since the last
    collectstatic, whose compressing takes most of a minute."""
    manifest = BASE_DIR / "var" / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    sources = [BASE_DIR / "requirements.txt", *(BASE_DIR / "static").rglob("*")]
    return max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


if __name__ == "__main__":
    sys.exit(main())
