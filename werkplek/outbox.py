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

import datetime
import logging
import queue
import threading
import traceback
from collections.abc import Callable
from email.utils import parseaddr
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from werkplek.models import OutboxMessage, User

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
DELIVER_TASK = "werkplek.tasks.outbox_deliver"


class Rendered(NamedTuple):
    """A message ready to send: subject, plain text and HTML; for a message the person may
    turn off, the address that does so in one click (notifications.unsubscribe_link)."""

    subject: str
    text: str
    html: str
    unsubscribe: str = ""


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


def enqueue_many(*, kind: str, messages: list[tuple[User, str, dict]]) -> set[int]:
    """`enqueue` for many recipients at once, in a fixed number of queries: a scheduler's
    run writes (recipient, due slot, context) rows, skipping keys that exist already, and
    has the queued ones delivered after the commit. Returns the ids of the recipients whose
    row for these keys is queued (new, or queued earlier and not rendered yet)."""
    if kind not in _renderers:
        raise ValueError(f"outbox kind {kind!r} is not registered")
    if not messages:
        return set()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(recipient=recipient, kind=kind, due_slot=str(slot), context=context)
            for recipient, slot, context in messages
        ],
        ignore_conflicts=True,
    )
    wanted = {(recipient.pk, str(slot)) for recipient, slot, _context in messages}
    queued = [
        (pk, recipient_id)
        for pk, recipient_id, slot in OutboxMessage.objects.filter(
            kind=kind,
            status=Status.QUEUED,
            recipient__in={pk for pk, _slot in wanted},
            due_slot__in={slot for _pk, slot in wanted},
        ).values_list("pk", "recipient", "due_slot")
        if (recipient_id, slot) in wanted
    ]
    for message_id, _recipient_id in queued:
        transaction.on_commit(lambda message_id=message_id: _dispatcher.hand_over(message_id))
    return {recipient_id for _pk, recipient_id in queued}


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


def deliver(message_id: int) -> None:
    """Send one queued, due message if this call wins its claim; safe to call any number of
    times, from any number of workers: only the caller whose UPDATE changed the row sends."""
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.due(now)
        .filter(pk=message_id)
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return  # sent, cancelled, failed, not due yet, or another worker has it
    message = OutboxMessage.objects.select_related("recipient").get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message_id, status=Status.SENDING, claimed_at=now)
    try:
        mail = _render(message)
        if mail is not None:
            mail.send()
    except Exception:
        _retry_or_fail(mine, message.attempts, traceback.format_exc(limit=3))
        logger.warning("outbox message %s not sent (attempt %s)", message_id, message.attempts)
        return
    if mail is None:
        mine.update(status=Status.CANCELLED)
        return
    # The one window that cannot be closed: a worker killed after the SMTP server took the
    # mail and before this UPDATE leaves the row in 'sending'; after its lease the sweep
    # queues it again and it goes out twice (with the same Message-ID). Marking it sent right
    # after send() returns, with nothing in between, keeps that window to one round trip to
    # the database.
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="")


def _render(message: OutboxMessage) -> EmailMultiAlternatives | None:
    """The mail of a claimed row, rendered now in the recipient's language; None to cancel."""
    if message.recipient_id and not message.recipient.is_active:
        return None
    language = message.recipient.language if message.recipient_id else None
    with translation.override(language or translation.get_language()):
        rendered = _renderers[message.kind](message)
    if rendered is None:
        return None
    headers = {"Message-ID": message_id_header(message)}
    if rendered.unsubscribe:
        # RFC 8058: mail clients show an "unsubscribe" button that POSTs to this address.
        headers["List-Unsubscribe"] = f"<{rendered.unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = EmailMultiAlternatives(
        subject=one_line(rendered.subject),
        body=rendered.text,
        to=[message.to],
        headers=headers,
    )
    if rendered.html:
        mail.attach_alternative(rendered.html, "text/html")
    return mail


def one_line(subject: str) -> str:
    """A subject on one line: a name typed with a line break must not make the mail fail."""
    return " ".join(str(subject).split())


def message_id_header(message: OutboxMessage) -> str:
    """The same Message-ID for every attempt of a row, so the rare double delivery after a
    killed worker is recognisable (mail clients fold messages with one id together)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "werkplek.local"
    return f"<outbox.{message.pk}@{domain}>"


def _retry_or_fail(rows, attempts: int, error: str) -> None:
    """After a failed attempt: back to the queue with exponential backoff, or failed (visible
    in `manage.py outbox`) after the last try."""
    if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        rows.update(status=Status.FAILED, last_error=error)
        return
    delay = settings.OUTBOX_RETRY_DELAY * 2 ** (attempts - 1)
    rows.update(
        status=Status.QUEUED,
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
        last_error=error,
    )


def sweep(*, batch: int = 500) -> dict[str, int]:
    """Return rows whose worker died while sending to the queue (or fail them after their
    last try), then hand every due row to the workers: what the broker lost, what a down
    broker never took, and retries that have come due."""
    now = timezone.now()
    stuck = OutboxMessage.objects.filter(
        status=Status.SENDING,
        claimed_at__lt=now - datetime.timedelta(seconds=settings.OUTBOX_LEASE),
    )
    lost = "The worker stopped while sending; it may have gone out."
    failed = stuck.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error=lost
    )
    requeued = stuck.update(status=Status.QUEUED, next_attempt_at=now, last_error=lost)
    due = list(
        OutboxMessage.objects.due(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    for message_id in due:
        send_to_worker(message_id)
    return {"requeued": requeued, "failed": failed, "handed_over": len(due)}


@transaction.atomic
def resend(*, message_ids) -> int:
    """Put failed messages back in the queue for a fresh series of attempts. Only failed
    ones: a sent message is never sent again, a cancelled one has nothing left to say."""
    rows = OutboxMessage.objects.filter(pk__in=message_ids, status=Status.FAILED)
    ids = list(rows.values_list("pk", flat=True))
    rows.update(status=Status.QUEUED, attempts=0, next_attempt_at=timezone.now())
    for message_id in ids:
        transaction.on_commit(lambda message_id=message_id: _dispatcher.hand_over(message_id))
    return len(ids)
