"""The outbox: every e-mail is first a row, written in the transaction that caused it, and then
delivered by a worker that claims the row before it sends.

- `enqueue` writes the row once per (recipient, kind, due slot); a second call for the same key
  writes nothing. After the commit a background thread hands the row's id to the broker, so a
  page never waits for the broker; when the broker is down the row simply waits.
- `deliver` (the Celery task `werkplek.tasks.outbox_deliver`) claims the row with a conditional
  UPDATE, renders it with the renderer its kind registered, sends it and marks it sent.
- `sweep` (beat, every minute) hands due rows to workers again and returns rows whose worker
  died while sending to the queue.

Apps register the kinds they send in their `AppConfig.ready` with `register_kind`; werkplek
itself imports no domain app.
"""

import logging
import queue
import threading
from collections.abc import Callable
from typing import NamedTuple

from django.db import IntegrityError, transaction

from werkplek.models import OutboxMessage, User

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
DELIVER_TASK = "werkplek.tasks.outbox_deliver"


class Rendered(NamedTuple):
    """A message ready to send: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


Renderer = Callable[[OutboxMessage], Rendered | None]
_renderers: dict[str, Renderer] = {}


def register_kind(kind: str, renderer: Renderer) -> None:
    """Let the outbox deliver messages of `kind`. The renderer is called at delivery time, in
    the recipient's language, with the message row; it returns the mail, or None to cancel
    it (what it reminds of is done already). Tokens in links are made there, never stored."""
    if _renderers.get(kind, renderer) is not renderer:
        raise ValueError(f"outbox kind {kind!r} is registered twice")
    _renderers[kind] = renderer


def enqueue(
    *,
    recipient: User | None,
    kind: str,
    due_slot: str,
    context: dict | None = None,
    address: str = "",
) -> OutboxMessage | None:
    """Write the message to `recipient` about `due_slot` in the caller's transaction and have a
    worker deliver it after the commit; None, writing nothing, when the key exists already.

    `due_slot` is the caller's name for the occasion (a date, a time, an object's id).
    `address` is only for someone without an account yet (then `recipient` is None).
    `context` holds ids and small values, never tokens or rendered text.
    """
    if kind not in _renderers:
        raise ValueError(f"outbox kind {kind!r} is not registered")
    if (recipient is None) == (not address):
        raise ValueError("give either a recipient or an address")
    message = OutboxMessage(
        recipient=recipient,
        address=address.strip().lower() if recipient is None else "",
        kind=kind,
        due_slot=str(due_slot),
        context=context or {},
    )
    try:
        # A savepoint: a clash leaves the caller's transaction usable. On PostgreSQL a
        # concurrent insert of the same key waits for the other transaction and then clashes.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        key = {"kind": message.kind, "due_slot": message.due_slot}
        key.update({"recipient": recipient} if recipient else {"address": message.address})
        if OutboxMessage.objects.filter(**key).exists():
            return None
        raise
    transaction.on_commit(lambda: _dispatcher.hand_over(message.pk))
    return message


class _Dispatcher:
    """Hands row ids to the broker from one background thread, so a request never waits on a
    slow or dead broker (and a reset form answers as fast for a known address as for an
    unknown one). Ids it cannot hand over are dropped: their rows wait for the sweep."""

    def __init__(self):
        self._ids = queue.SimpleQueue()
        self._thread = None
        self._lock = threading.Lock()

    def hand_over(self, message_id: int) -> None:
        self._ids.put(message_id)
        with self._lock:
            # After a fork (a worker process) the parent's thread does not run here.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="outbox-dispatch", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            message_id = self._ids.get()
            try:
                send_to_worker(message_id)
            except Exception as error:  # the broker is down or hangs: the sweep takes over
                dropped = 1
                while not self._ids.empty():
                    self._ids.get_nowait()
                    dropped += 1
                logger.warning(
                    "broker unreachable (%s); %d outbox message(s) wait for the sweep",
                    error,
                    dropped,
                )


_dispatcher = _Dispatcher()


def send_to_worker(message_id: int) -> None:
    """Publish the delivery task of one row, once, without the retries that would make a
    caller wait on a dead broker (the sweep is the retry)."""
    from werkplek.celery import app

    app.send_task(DELIVER_TASK, args=[message_id], retry=False)
