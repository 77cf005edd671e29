"""The outbox: one row per (recipient, kind, due slot), handed to a worker after the commit."""

import threading
import time

import pytest
from django.db import connection, transaction

from werkplek import outbox
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db


def render_test_message(message):
    return outbox.Rendered(f"Hallo {message.recipient}", "tekst", "<p>tekst</p>")


outbox.register_kind("tests.hello", render_test_message)


@pytest.fixture
def handed_over(monkeypatch):
    """The ids handed to the broker, in this process (no thread, no broker)."""
    ids = []
    monkeypatch.setattr(outbox._dispatcher, "hand_over", ids.append)
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
