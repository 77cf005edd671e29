"""The outbox against real services: a `celery worker` process on Redis, PostgreSQL, and a
local SMTP server (aiosmtpd) that counts what it accepts by Message-ID.

They need PostgreSQL and Redis (the worker is another process and must share the test
database); CI has both, and tests/conftest.py fails the run there when one is missing.
"""

import asyncio
import collections
import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core import management
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from coaching import reminders
from coaching.models import Reflection
from tests.coaching.test_feedback import form_data
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    ReflectionFactory,
    UserFactory,
)
from tests.programs.test_import import confirm, upload, xlsx
from werkplek import outbox
from werkplek.celery import app
from werkplek.handoff import publisher
from werkplek.models import Organization, OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)

HOLD = 0.1  # seconds the SMTP server takes to answer a message it has taken


@pytest.fixture(autouse=True)
def _real_services():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL); CI has both")


class CountingHandler:
    """A mail server that, like Postfix, takes a message as soon as its DATA is complete (the
    final dot), before it answers, whatever happens to the connection then; it counts what it
    took by Message-ID.

    After `arm()` it keeps one sender waiting for its answer to DATA (its mail is in), and
    then one waiting for the answer to RCPT (its DATA has not begun): a worker killed then
    has one mail past its point of no return and one before it."""

    def __init__(self):
        self.accepted = collections.Counter()
        self.armed = False
        self.held = {}  # "data": the Message-ID of the mail held, "rcpt": the recipient held

    def arm(self):
        self.armed = True

    async def _hold(self, stage, what):
        self.held[stage] = what
        await asyncio.Event().wait()  # until the sender is gone (aiosmtpd cancels this)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        if self.armed and "data" in self.held and "rcpt" not in self.held:
            await self._hold("rcpt", address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message_id = next(
            line.split(b":", 1)[1].strip().decode()
            for line in envelope.original_content.splitlines()
            if line.lower().startswith(b"message-id:")
        )
        self.accepted[message_id] += 1
        if self.armed and "data" not in self.held:
            await self._hold("data", message_id)
        await asyncio.sleep(HOLD)
        return "250 OK"


@pytest.fixture
def smtp():
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The pytest-django test database, for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres") + (
        ":" + quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(smtp):
    """Start `celery -A werkplek worker` processes (each in its own process group, so SIGKILL
    takes the pool's children along); all are killed at the end."""
    started = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://{smtp.hostname}:{smtp.port}",
    }
    command = [sys.executable, "-m", "celery", "-A", "werkplek", "worker"]
    command += ["--pool=prefork", "--concurrency=2", "--loglevel=WARNING", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat"]

    def start():
        worker = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
        started.append(worker)
        return worker

    app.control.purge()  # tasks left by earlier tests are not this test's business
    yield start
    for worker in started:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def kill(worker) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def wait_for(condition, seconds=60, step=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def on_the_workers_clock(organization, rows):
    """The workers run on the real clock, not the test's travelled one: the queued reminders
    become today's (a reminder goes out on its own day only), and the organisation has no
    quiet hours or days off, so the checks at delivery let them through whenever CI runs."""
    Organization.objects.filter(pk=organization.pk).update(
        working_weekdays=list(range(1, 8)),
        quiet_hours_start=datetime.time(0),
        quiet_hours_end=datetime.time(0),
    )
    rows.update(due_slot=timezone.localdate().isoformat(), next_attempt_at=timezone.now())


@pytest.fixture
def broker_at():
    """Point this process's Celery client at another broker URL for the test."""
    original = app.conf.broker_url

    def point(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    yield point
    handoffs_settled()
    point(original)


def handoffs_settled(seconds=30):
    """Wait until the hand-off thread has finished what the test gave it: a publish still on
    its way to the dead broker would otherwise rebuild the client's pool for that broker after
    the test restored the URL, and a later test's hand-offs would go nowhere. A marker is
    dropped with the jobs queued behind a failed one, so it is handed over again until it runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ran = threading.Event()
        publisher.submit(ran.set, what="the test's marker")
        if ran.wait(timeout=1):
            return
    pytest.fail("the hand-off thread did not settle")


def test_a_batch_of_reminders_survives_a_killed_worker_and_each_arrives_exactly_once(
    organization, smtp, start_worker, settings, capsys, monkeypatch
):
    # 40 learners, each with a reflection due on Sunday; the reminder job queues their
    # reminders at Monday's 09:00 slot, as beat runs it, handed over in two batches: each of
    # the worker's two processes delivers one.
    monkeypatch.setattr(outbox, "BATCH_SIZE", 20)
    cohort = CohortFactory(program__organization=organization)
    for _ in range(40):
        learner = MembershipFactory(organization=organization).user
        enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
        ReflectionFactory(enrolment=enrolment, due_on=datetime.date(2026, 11, 22))
    with time_machine.travel(datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)):
        assert reminders.reflection_reminders_schedule() == 40
    rows = OutboxMessage.objects.filter(kind=reminders.REFLECTION_REMINDER)
    on_the_workers_clock(organization, rows)
    expected = {outbox.message_id_header(row) for row in rows}
    assert len(expected) == 40
    sink = smtp.handler

    worker = start_worker()
    # Kill the worker in the middle of the batch, at a moment when one of its processes waits
    # for the answer to a mail the server has taken (past the point of no return: it must
    # never be sent again) and the other for the answer to RCPT (before it: the server has
    # nothing, the next worker must send it).
    assert wait_for(lambda: sum(sink.accepted.values()) >= 10), "the worker delivered nothing"
    sink.arm()
    assert wait_for(lambda: len(sink.held) == 2)
    kill(worker)
    delivered_before_kill = sum(sink.accepted.values())
    assert 10 <= delivered_before_kill < 40
    taken = rows.get(pk=int(sink.held["data"].removeprefix("<outbox.").partition("@")[0]))
    not_taken = rows.get(recipient__email=sink.held["rcpt"])
    assert {taken.status, not_taken.status} == {"sending"}
    assert taken.data_sent_at is not None and not_taken.data_sent_at is None

    start_worker()
    settings.OUTBOX_LEASE = 1  # the lease of the killed worker's rows runs out quickly
    time.sleep(settings.OUTBOX_LEASE + 0.5)
    result = outbox.sweep()
    # Back in the queue: the mail held before its DATA and the rest of both batches, claimed
    # and not reached; every mail the server took is sent or, the held one, uncertain.
    requeued = 40 - delivered_before_kill
    assert (result["requeued"], result["uncertain"], result["failed"]) == (requeued, 1, 0)

    assert wait_for(lambda: set(sink.accepted) == expected), (
        f"{len(expected - set(sink.accepted))} of 40 reminders never arrived"
    )
    assert wait_for(lambda: rows.filter(status="sent").count() == 39)
    time.sleep(2 * HOLD)  # time enough for a double to arrive too
    assert {count for count in sink.accepted.values()} == {1}, "a message arrived twice"
    # The mail past its point of no return is not sent again: the outbox shows it.
    taken.refresh_from_db()
    assert (taken.status, taken.last_error) == ("uncertain", outbox.MAY_HAVE_GONE_OUT)
    management.call_command("outbox")
    assert "uncertain  1" in capsys.readouterr().out


def test_with_the_broker_at_a_dead_port_the_reset_form_answers_alike_and_mails_later(
    client, smtp, start_worker, broker_at
):
    person = UserFactory(email="nina@example.nl")
    broker_at(f"redis://127.0.0.1:{free_port()}/9")

    client.get(reverse("password_reset"))  # the first request of a process warms up
    timings = collections.defaultdict(float)
    for address in ("nina@example.nl", "niemand@example.nl") * 3:
        started = time.monotonic()
        response = client.post(reverse("password_reset"), {"email": address})
        timings[address] += time.monotonic() - started
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
    assert max(timings.values()) < 0.5, timings
    row = OutboxMessage.objects.get()
    assert (row.recipient, row.status) == (person, "queued")

    # The broker is back: the next sweep hands the waiting row to a worker.
    broker_at(settings.CELERY_BROKER_URL)
    start_worker()
    outbox.sweep()
    expected = outbox.message_id_header(row)
    assert wait_for(lambda: smtp.handler.accepted[expected] == 1)
    assert wait_for(OutboxMessage.objects.filter(pk=row.pk, status="sent").exists)


def test_with_the_broker_at_a_dead_port_feedback_saves_and_its_reminder_is_sent_later(
    client, coach, learner, enrolment, smtp, start_worker, broker_at
):
    goals = LearningGoalFactory.create_batch(2, program=enrolment.cohort.program)
    broker_at(f"redis://127.0.0.1:{free_port()}/9")

    # Friday afternoon: the coach saves a feedback moment; its reflection is due on Sunday.
    with time_machine.travel(datetime.datetime(2026, 11, 20, 15, 0, tzinfo=datetime.UTC)):
        client.force_login(coach)
        url = reverse("coaching:feedback-create", args=[enrolment.pk])
        client.get(url)  # the first request of a process warms up
        started = time.monotonic()
        response = client.post(url, form_data(goals, occurred_on="2026-11-20"))
        took = time.monotonic() - started
    assert response.status_code == 302
    # Saved without waiting on the broker: the KPI roll-up is handed over from the
    # background thread, where the refused connection costs its ~2 seconds.
    assert took < 1, took
    reflection = Reflection.objects.get(enrolment=enrolment)
    assert reflection.due_on == datetime.date(2026, 11, 22)

    # The reminder job, as beat runs it, while the broker is still dead: nothing before the
    # program's time (09:00 in Amsterdam) on the first working day, then the learner's row.
    reminder_rows = OutboxMessage.objects.filter(kind=reminders.REFLECTION_REMINDER)
    with time_machine.travel(datetime.datetime(2026, 11, 23, 7, 45, tzinfo=datetime.UTC)):
        assert reminders.reflection_reminders_schedule() == 0
    with time_machine.travel(datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)):
        started = time.monotonic()
        assert reminders.reflection_reminders_schedule() == 1
        assert time.monotonic() - started < 1
    row = reminder_rows.get()
    assert (row.recipient, row.due_slot, row.status) == (learner, "2026-11-23", "queued")
    time.sleep(0.5)  # the background hand-off meets the dead broker: the row still waits
    assert reminder_rows.get().status == "queued"

    # The broker is back: the next sweep hands the waiting row to a worker, once.
    on_the_workers_clock(enrolment.cohort.program.organization, reminder_rows)
    broker_at(settings.CELERY_BROKER_URL)
    start_worker()
    outbox.sweep()
    expected = outbox.message_id_header(row)
    assert wait_for(lambda: smtp.handler.accepted[expected] == 1)
    assert wait_for(reminder_rows.filter(status="sent").exists)
    time.sleep(2 * HOLD)
    assert smtp.handler.accepted[expected] == 1


def test_healthz_answers_within_seconds_when_the_broker_accepts_but_never_answers(
    client, broker_at
):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (the kernel does), never says a word
    broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/9")
    try:
        started = time.monotonic()
        response = client.get(reverse("healthz"))
        took = time.monotonic() - started
    finally:
        silent.close()
    assert response.json() == {"database": "ok", "broker": "error"}
    assert took < 5, took


def test_the_import_confirm_with_the_broker_down_stores_and_redirects(
    client, manager, cohort, broker_at
):
    broker_at(f"redis://127.0.0.1:{free_port()}/9")
    client.force_login(manager)
    upload(client, cohort, xlsx([["nieuw@example.nl", "Nieuw", "", "", ""]]))
    started = time.monotonic()
    response = confirm(client, cohort)
    assert time.monotonic() - started < 1
    assert response.redirect_chain[-1][1] == 302
    assert "1 persoon uitgenodigd." in response.content.decode()
    row = OutboxMessage.objects.get()
    assert (row.address, row.kind, row.status) == ("nieuw@example.nl", "invitation", "queued")
