"""The outbox: one row per (recipient, kind, due slot), handed to a worker after the commit."""

import asyncio
import collections
import datetime
import smtplib
import socket
import threading
import time

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail, management
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tests.factories import UserFactory
from werkplek import outbox
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db


def render_test_message(message):
    if message.context.get("done"):
        return None  # what it reminds of is done already
    subject = message.context.get("subject", _("Choose a new password for werkplek"))
    return outbox.Rendered(subject, message.context.get("text", "tekst"), "<p>tekst</p>")


outbox.register_kind("tests.hello", render_test_message)

AFTER_SENT = []


def render_and_note(message):
    message.context["listed"] = [1, 2]
    return render_test_message(message)


def note_sent(message):
    """Sees the row as it is in the database once it is sent, with what the renderer noted."""
    if message.context.get("hook_fails"):
        raise RuntimeError("after-sent step failed")
    row = OutboxMessage.objects.get(pk=message.pk)
    AFTER_SENT.append((row.status, row.context["listed"], message.context["listed"]))


outbox.register_kind("tests.noted", render_and_note, after_sent=note_sent)


def queued(recipient, due_slot="2027-03-29", **context):
    return OutboxMessage.objects.create(
        recipient=recipient, kind="tests.hello", due_slot=due_slot, context=context
    )


@pytest.fixture
def smtp_down(monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse)


@pytest.fixture
def handed_over(monkeypatch):
    """The ids handed to the broker, in this process (no thread, no broker)."""
    ids = []
    monkeypatch.setattr(outbox, "hand_over", ids.append)
    return ids


def test_a_message_is_one_row_handed_to_a_worker_after_the_commit(
    learner, handed_over, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(
            recipient=learner, kind="tests.hello", due_slot="2027-03-29", context={"n": 1}
        )
        assert handed_over == []  # not before the commit: the worker would not find the row
    assert handed_over == [message.pk]
    row = OutboxMessage.objects.get()
    assert (row.recipient, row.status, row.context, row.attempts) == (
        learner,
        "queued",
        {"n": 1},
        0,
    )


def test_the_same_key_twice_writes_one_row_and_answers_none(
    learner, handed_over, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="2027-03-29")
        second = outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="2027-03-29")
        other_day = outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="2027-03-30")
    assert second is None
    assert handed_over == [first.pk, other_day.pk]
    assert OutboxMessage.objects.count() == 2


def test_a_clash_leaves_the_callers_transaction_usable(learner, coach, handed_over):
    with transaction.atomic():
        outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="x")
        assert outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="x") is None
        outbox.enqueue(recipient=coach, kind="tests.hello", due_slot="x")
    assert OutboxMessage.objects.count() == 2


def test_an_address_without_an_account_has_its_own_once_per_slot_key(handed_over):
    first = outbox.enqueue(
        recipient=None, address="Nieuw@Example.nl", kind="tests.hello", due_slot="7"
    )
    again = outbox.enqueue(
        recipient=None, address="nieuw@example.nl", kind="tests.hello", due_slot="7"
    )
    assert first.to == "nieuw@example.nl"
    assert again is None


def test_an_unregistered_kind_is_refused(learner):
    with pytest.raises(ValueError, match="not registered"):
        outbox.enqueue(recipient=learner, kind="tests.unknown", due_slot="x")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_connections_enqueueing_the_same_key_at_once_write_one_row(learner, handed_over):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    start = threading.Barrier(2)
    results = []

    def enqueue():
        try:
            with transaction.atomic():
                start.wait()
                results.append(outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="d"))
                time.sleep(0.3)  # keep the transaction open: the other insert waits on it
        finally:
            connection.close()

    threads = [threading.Thread(target=enqueue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result is None for result in results) == [False, True]
    assert OutboxMessage.objects.count() == 1
    assert len(handed_over) == 1


def test_a_delivered_message_is_sent_once_however_often_its_task_runs(learner):
    message = queued(learner)
    outbox.deliver(message.pk)
    outbox.deliver(message.pk)  # the sweep's copy, a redelivered task
    [sent] = mail.outbox
    assert sent.to == [learner.email]
    assert sent.extra_headers["Message-ID"] == f"<outbox.{message.pk}@werkplek.local>"
    assert sent.alternatives[0][1] == "text/html"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None


def test_a_message_claimed_by_another_worker_is_left_alone(learner):
    message = queued(learner)
    OutboxMessage.objects.filter(pk=message.pk).update(status="sending", claimed_at=timezone.now())
    outbox.deliver(message.pk)
    assert mail.outbox == []


def test_a_retry_that_is_not_due_yet_waits(learner):
    message = queued(learner)
    later = timezone.now() + datetime.timedelta(minutes=5)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=later)
    outbox.deliver(message.pk)
    assert mail.outbox == []


def test_an_smtp_failure_retries_with_growing_delays_and_then_fails_visibly(
    learner, smtp_down, settings
):
    message = queued(learner)
    delays = []
    for _attempt in range(settings.OUTBOX_MAX_ATTEMPTS):
        before = timezone.now()
        outbox.deliver(message.pk)
        message.refresh_from_db()
        delays.append(round((message.next_attempt_at - before).total_seconds() / 60))
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert delays[:4] == [1, 2, 4, 8]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 5)
    assert "Connection unexpectedly closed" in message.last_error


def test_a_renderer_that_answers_none_cancels_the_message(learner):
    message = queued(learner, done=True)
    outbox.deliver(message.pk)
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == "cancelled"


@pytest.fixture
def after_sent():
    AFTER_SENT.clear()
    yield AFTER_SENT
    AFTER_SENT.clear()


def noted(recipient, **context):
    return OutboxMessage.objects.create(
        recipient=recipient, kind="tests.noted", due_slot="2027-03-29", context=context
    )


def test_the_after_sent_step_runs_once_the_row_is_sent_with_what_the_renderer_noted(
    learner, after_sent
):
    message = noted(learner)
    outbox.deliver(message.pk)
    outbox.deliver(message.pk)
    assert after_sent == [("sent", [1, 2], [1, 2])]


def test_no_after_sent_step_for_a_cancelled_or_failed_message(
    learner, coach, after_sent, smtp_down, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    cancelled, failed = noted(learner, done=True), noted(coach)
    outbox.deliver(cancelled.pk)
    outbox.deliver(failed.pk)
    assert list(OutboxMessage.objects.order_by("pk").values_list("status", flat=True)) == [
        "cancelled",
        "failed",
    ]
    assert after_sent == []


def test_a_failing_after_sent_step_leaves_the_message_sent_once(learner):
    message = noted(learner, hook_fails=True)
    outbox.deliver(message.pk)
    outbox.deliver(message.pk)
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_deactivated_recipient_gets_nothing(learner):
    message = queued(learner)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    outbox.deliver(message.pk)
    assert mail.outbox == []
    assert OutboxMessage.objects.get().status == "cancelled"


def test_a_subject_with_a_line_break_is_sent_on_one_line(learner):
    queued(learner, subject="Uitnodiging voor\r\nInwerken  orderpicker\n")
    outbox.deliver(OutboxMessage.objects.get().pk)
    assert mail.outbox[0].subject == "Uitnodiging voor Inwerken orderpicker"


def test_the_mail_is_rendered_in_the_recipients_language(learner, coach):
    learner.language, coach.language = "en", "nl"
    learner.save(update_fields=["language"])
    coach.save(update_fields=["language"])
    for person in (learner, coach):
        outbox.deliver(queued(person).pk)
    assert [m.subject for m in mail.outbox] == [
        "Choose a new password for werkplek",
        "Kies een nieuw wachtwoord voor werkplek",
    ]


def test_the_sweep_requeues_a_killed_workers_rows_and_hands_due_rows_over(
    learner, coach, manager, monkeypatch, settings
):
    handed = []
    monkeypatch.setattr(outbox, "send_to_worker", handed.extend)
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.OUTBOX_LEASE + 1)
    killed = queued(learner)
    worn_out = queued(coach)
    busy = queued(manager)
    OutboxMessage.objects.filter(pk=killed.pk).update(
        status="sending", claimed_at=long_ago, attempts=1
    )
    OutboxMessage.objects.filter(pk=worn_out.pk).update(
        status="sending", claimed_at=long_ago, attempts=settings.OUTBOX_MAX_ATTEMPTS
    )
    OutboxMessage.objects.filter(pk=busy.pk).update(status="sending", claimed_at=timezone.now())
    # Killed after the mail server had all of its mail but the final dot.
    past_the_point = queued(manager, due_slot="past")
    OutboxMessage.objects.filter(pk=past_the_point.pk).update(
        status="sending", claimed_at=long_ago, attempts=1, data_sent_at=long_ago
    )
    waiting = queued(learner, due_slot="waiting")

    assert outbox.sweep() == {"requeued": 1, "failed": 1, "uncertain": 1, "handed_over": 2}
    assert sorted(handed) == sorted([killed.pk, waiting.pk])
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {
        killed.pk: "queued",
        worn_out.pk: "failed",
        busy.pk: "sending",
        past_the_point.pk: "uncertain",
        waiting.pk: "queued",
    }
    assert "may have gone out" in OutboxMessage.objects.get(pk=past_the_point.pk).last_error


@pytest.fixture
def published(monkeypatch):
    """The ids published to the broker, by the sweep or the hand-off after a commit."""
    ids = []
    monkeypatch.setattr(outbox, "send_to_worker", ids.extend)
    return ids


def test_the_sweep_hands_a_row_over_again_only_after_a_lease(learner, published, settings):
    with time_machine.travel(
        datetime.datetime(2027, 3, 29, 9, 0, tzinfo=datetime.UTC), tick=False
    ) as clock:
        message = queued(learner)
        assert outbox.sweep()["handed_over"] == 1
        clock.shift(60)  # the next minute's sweep: the row still waits in the broker's queue
        assert outbox.sweep()["handed_over"] == 0
        clock.shift(settings.OUTBOX_LEASE - 60)
        assert outbox.sweep()["handed_over"] == 0
        clock.shift(1)  # a lease later the broker may have lost it: handed over again
        assert outbox.sweep()["handed_over"] == 1
        assert outbox.sweep()["handed_over"] == 0
    assert published == [message.pk, message.pk]


def test_a_row_handed_over_after_its_commit_is_left_to_the_broker_by_the_sweep(
    learner, published, handoff_inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="2027-03-29")
    assert published == [message.pk]
    assert outbox.sweep()["handed_over"] == 0
    assert published == [message.pk]


def test_a_row_the_broker_did_not_take_is_handed_over_by_the_next_sweep(
    learner, monkeypatch, handoff_inline, django_capture_on_commit_callbacks
):
    def broker_down(message_ids):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(outbox, "send_to_worker", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(recipient=learner, kind="tests.hello", due_slot="2027-03-29")
    published = []
    monkeypatch.setattr(outbox, "send_to_worker", published.extend)
    assert outbox.sweep()["handed_over"] == 1
    assert published == [message.pk]


def test_a_failed_try_is_handed_over_again_when_its_retry_is_due_within_the_lease(
    learner, published, smtp_down, settings
):
    with time_machine.travel(
        datetime.datetime(2027, 3, 29, 9, 0, tzinfo=datetime.UTC), tick=False
    ) as clock:
        message = queued(learner)
        outbox.sweep()
        outbox.deliver(message.pk)  # the worker takes it; the SMTP server is down
        assert OutboxMessage.objects.get(pk=message.pk).status == "queued"
        assert outbox.sweep()["handed_over"] == 0  # the retry is not due yet
        clock.shift(settings.OUTBOX_RETRY_DELAY + 1)
        assert outbox.sweep()["handed_over"] == 1
    assert published == [message.pk, message.pk]


def test_the_command_shows_counts_and_failures_and_resends_failed_rows(
    learner, coach, handed_over, capsys, django_capture_on_commit_callbacks
):
    failed = queued(learner)
    OutboxMessage.objects.filter(pk=failed.pk).update(
        status="failed", attempts=5, last_error="Traceback\nSMTPServerDisconnected: gone"
    )
    sent = queued(coach)
    OutboxMessage.objects.filter(pk=sent.pk).update(status="sent")
    uncertain = queued(learner, due_slot="uncertain")
    OutboxMessage.objects.filter(pk=uncertain.pk).update(
        status="uncertain", attempts=1, last_error=outbox.MAY_HAVE_GONE_OUT
    )

    management.call_command("outbox")
    out = capsys.readouterr().out
    assert "queued     0" in out and "sent       1" in out and "failed     1" in out
    assert "uncertain  1" in out
    assert f"{failed.pk:>8}  tests.hello" in out and "SMTPServerDisconnected: gone" in out
    latest_uncertain = out.split("May have gone out")[1]
    assert f"{uncertain.pk:>8}  tests.hello" in latest_uncertain
    assert "it may have gone out." in latest_uncertain

    with pytest.raises(
        management.CommandError, match=f"neither failed nor uncertain, so not sent again: {sent.pk}"
    ):
        management.call_command("outbox", "--resend", str(sent.pk))
    with django_capture_on_commit_callbacks(execute=True):
        management.call_command("outbox", "--resend-failed")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
    assert handed_over == [failed.pk]
    assert OutboxMessage.objects.get(pk=sent.pk).status == "sent"
    # An uncertain row goes out again only when someone names it.
    assert OutboxMessage.objects.get(pk=uncertain.pk).status == "uncertain"
    with django_capture_on_commit_callbacks(execute=True):
        management.call_command("outbox", "--resend", str(uncertain.pk))
    assert OutboxMessage.objects.get(pk=uncertain.pk).status == "queued"
    assert handed_over == [failed.pk, uncertain.pk]


def test_a_silent_smtp_server_costs_one_timeout_and_the_message_waits_for_a_retry(
    learner, settings
):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # takes the connection, never greets
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = silent.getsockname()
    settings.EMAIL_TIMEOUT = 1
    message = queued(learner)
    started = time.monotonic()
    try:
        outbox.deliver(message.pk)
    finally:
        silent.close()
    assert time.monotonic() - started < 3
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "timed out" in message.last_error
    assert message.next_attempt_at > timezone.now()


def test_staff_see_the_outbox_in_the_admin_and_queue_failed_rows_again(
    client, learner, coach, handed_over, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    failed = queued(learner)
    sent = queued(coach)
    OutboxMessage.objects.filter(pk=failed.pk).update(status="failed", attempts=5)
    OutboxMessage.objects.filter(pk=sent.pk).update(status="sent")
    url = reverse("admin:werkplek_outboxmessage_changelist")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"action": "resend", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert "1 bericht opnieuw in de wachtrij gezet." in response.content.decode()
    assert dict(OutboxMessage.objects.values_list("pk", "status")) == {
        failed.pk: "queued",
        sent.pk: "sent",
    }
    assert handed_over == [failed.pk]


class Killed(BaseException):
    """The worker process dying on the spot (SIGKILL): nothing of it runs any more."""


class Sink:
    """An SMTP server that, like Postfix, takes a message once its DATA is complete (the final
    dot), before it answers; a DATA the connection drops before its end is discarded."""

    def __init__(self):
        self.accepted = collections.Counter()
        self.bodies = []
        self.reply = "250 OK"
        self.answer_after = 0  # seconds the server keeps the sender waiting for the answer
        self.refused = set()  # addresses whose mail it refuses at the final dot
        self.connections = set()

    async def handle_DATA(self, server, session, envelope):
        self.connections.add(session.peer)
        if envelope.rcpt_tos[0] in self.refused:
            return "550 No such user"
        self.accepted[envelope.rcpt_tos[0]] += 1
        self.bodies.append(envelope.content.decode())
        await asyncio.sleep(self.answer_after)
        return self.reply


@pytest.fixture
def sink(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "werkplek.lib.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_TIMEOUT = 1
    yield handler
    controller.stop()


@pytest.fixture
def dies_at_the_final_dot(monkeypatch):
    """The worker dies just before the final dot: `before=True` before it could record the
    point of no return, else right after."""

    def arm(*, before):
        record = outbox._point_of_no_return

        def die(mine, passed):
            if not before:
                record(mine, passed)
            raise Killed

        monkeypatch.setattr(outbox, "_point_of_no_return", die)
        return lambda: monkeypatch.setattr(outbox, "_point_of_no_return", record)

    return arm


def test_over_smtp_a_mail_is_marked_at_its_final_dot_and_arrives_intact(learner, sink):
    text = "Beste,\n.\n..twee punten\n.een punt"
    message = queued(learner, text=text)
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.claimed_at <= message.data_sent_at <= message.sent_at
    assert sink.accepted == {learner.email: 1}
    # Lines starting with a dot were doubled on the wire, as smtplib does, and undone there.
    assert "\r\n.\r\n..twee punten\r\n.een punt" in sink.bodies[0]


def test_a_worker_dying_before_the_final_dot_leaves_a_row_the_next_worker_sends_once(
    learner, sink, dies_at_the_final_dot, settings
):
    revive = dies_at_the_final_dot(before=True)
    message = queued(learner)
    with pytest.raises(Killed):
        outbox.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.data_sent_at) == ("sending", None)

    revive()
    settings.OUTBOX_LEASE = 0  # the dead worker's lease is over
    assert outbox.sweep()["requeued"] == 1
    outbox.deliver(message.pk)
    assert OutboxMessage.objects.get(pk=message.pk).status == "sent"
    # The server dropped the unterminated DATA of the dead worker: the mail arrived once.
    assert sink.accepted == {learner.email: 1}


def test_a_worker_dying_after_the_point_of_no_return_leaves_a_row_only_a_person_resends(
    learner, sink, dies_at_the_final_dot, settings, handed_over, django_capture_on_commit_callbacks
):
    revive = dies_at_the_final_dot(before=False)
    message = queued(learner)
    with pytest.raises(Killed):
        outbox.deliver(message.pk)
    revive()
    settings.OUTBOX_LEASE = 0
    assert outbox.sweep() == {"requeued": 0, "failed": 0, "uncertain": 1, "handed_over": 0}
    message.refresh_from_db()
    assert (message.status, message.last_error) == ("uncertain", outbox.MAY_HAVE_GONE_OUT)
    outbox.deliver(message.pk)  # a copy of its task in the broker sends nothing
    assert OutboxMessage.objects.get(pk=message.pk).status == "uncertain"

    # Someone checked: it did not arrive (here the dot never went), so it is sent again.
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.resend(message_ids=[message.pk]) == 1
    outbox.deliver(message.pk)
    assert OutboxMessage.objects.get(pk=message.pk).status == "sent"
    assert sink.accepted == {learner.email: 1}


def test_a_server_that_never_answers_the_final_dot_leaves_the_row_uncertain(learner, sink):
    sink.answer_after = 2  # beyond EMAIL_TIMEOUT: the mail is in, the answer never comes
    message = queued(learner)
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == "uncertain"
    assert "timed out" in message.last_error
    assert sink.accepted == {learner.email: 1}


def test_a_server_that_refuses_the_mail_at_its_final_dot_has_it_retried(learner, sink):
    sink.reply = "554 5.7.1 Rejected"
    message = queued(learner)
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "Rejected" in message.last_error


def test_a_row_the_sweep_took_back_from_a_slow_worker_is_not_sent_by_it(learner, sink, monkeypatch):
    record = outbox._point_of_no_return

    def swept_meanwhile(mine, passed):
        OutboxMessage.objects.filter(pk=message.pk).update(status="queued")
        record(mine, passed)

    monkeypatch.setattr(outbox, "_point_of_no_return", swept_meanwhile)
    message = queued(learner)
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert (message.status, message.data_sent_at) == ("queued", None)

    monkeypatch.setattr(outbox, "_point_of_no_return", record)
    outbox.deliver(message.pk)  # the next worker
    assert OutboxMessage.objects.get(pk=message.pk).status == "sent"
    assert sink.accepted == {learner.email: 1}  # the slow worker's DATA was never finished


@pytest.mark.parametrize("size", [2, 8])
def test_a_batch_goes_over_one_connection_in_the_same_queries_plus_two_per_mail(
    size, sink, django_assert_num_queries
):
    people = [UserFactory() for _ in range(size)]
    ids = [queued(person).pk for person in people]
    # The claim (a savepoint around a locking SELECT and an UPDATE), the rows with their
    # recipients; per mail its point of no return and then sent, each committed on its own.
    with django_assert_num_queries(5 + 2 * size):
        outbox.deliver(*ids)

    assert sink.accepted == {person.email: 1 for person in people}
    assert len(sink.connections) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_mail_the_server_refuses_in_a_batch_is_retried_alone_and_the_others_go_out_once(
    sink,
):
    people = [UserFactory(), UserFactory(email="geweigerd@example.com"), UserFactory()]
    ids = [queued(person).pk for person in people]
    sink.refused = {"geweigerd@example.com"}
    outbox.deliver(*ids)
    outbox.deliver(*ids)  # a copy of the batch's task

    assert sink.accepted == {people[0].email: 1, people[2].email: 1}
    rows = OutboxMessage.objects.in_bulk(ids)
    assert [rows[pk].status for pk in ids] == ["sent", "queued", "sent"]
    assert rows[ids[1]].attempts == 1
    assert "No such user" in rows[ids[1]].last_error


def test_a_worker_killed_in_the_middle_of_a_batch_leaves_each_mail_sent_at_most_once(
    sink, monkeypatch, settings, published
):
    people = [UserFactory() for _ in range(3)]
    ids = [queued(person).pk for person in people]
    record = outbox._point_of_no_return

    def die_at_the_second_final_dot(mine, passed):
        record(mine, passed)
        if len(sink.accepted) == 1:
            raise Killed

    monkeypatch.setattr(outbox, "_point_of_no_return", die_at_the_second_final_dot)
    with pytest.raises(Killed):
        outbox.deliver(*ids)
    monkeypatch.setattr(outbox, "_point_of_no_return", record)
    settings.OUTBOX_LEASE = 0  # the dead worker's lease is over
    swept = outbox.sweep()
    outbox.deliver(*published)

    assert swept == {"requeued": 1, "failed": 0, "uncertain": 1, "handed_over": 1}
    rows = OutboxMessage.objects.in_bulk(ids)
    # The first was out before the worker died, the second may have been (a person checks),
    # the third the next worker sent.
    assert [rows[pk].status for pk in ids] == ["sent", "uncertain", "sent"]
    assert sink.accepted == {people[0].email: 1, people[2].email: 1}
