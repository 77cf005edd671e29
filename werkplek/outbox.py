"""The outbox: every e-mail is first a row, written in the transaction that caused it, and then
delivered by a worker that claims the row before it sends.

- `enqueue` writes the row once per (recipient, kind, due slot); a second call for the same key
  writes nothing. After the commit a background thread (`werkplek.handoff`) hands the row's
  id to the broker and records when, so a page never waits for the broker; when the broker
  is down the row simply waits.
- `deliver` (the Celery task `werkplek.tasks.outbox_deliver`) takes a batch of up to
  `BATCH_SIZE` ids: it claims the rows in one locking SELECT and one UPDATE, loads them, their
  recipients' availability and what their kinds preload in a fixed number of queries, renders
  each with the renderer its kind registered and sends them over one SMTP connection, marking
  each sent (or failed) on its own. Just before the SMTP server gets the final "." that makes
  it take a mail, it records so on the row (`data_sent_at`, through
  `werkplek.lib.mail.EmailBackend`), committed at once, one row at a time.
- `sweep` (beat, every minute) hands due rows to workers again, unless they were handed over
  less than a lease ago. Rows whose worker died while sending go back to the queue when the
  server cannot have the mail, and become 'uncertain' when it may: those a person resends.

Apps register the kinds they send in their `AppConfig.ready` with `register_kind`; werkplek
itself imports no domain app. A kind that `waits_for_recipient` (reminders, nudges, digests,
unlike a password reset someone is waiting for) is due at the recipient's next allowed
moment (`werkplek.availability`): its row's `next_attempt_at` is put there when it is
written, and again at delivery, when leave entered since moves it on.
"""

import datetime
import functools
import logging
import smtplib
import traceback
from collections.abc import Callable
from email.utils import parseaddr
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from werkplek import handoff
from werkplek.availability import availability_of
from werkplek.models import LAST_ERROR_LENGTH, OutboxMessage, User

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
DELIVER_TASK = "werkplek.tasks.outbox_deliver"
MAY_HAVE_GONE_OUT = (
    "The worker stopped once the mail server had all of the mail: it may have gone out."
)


class Rendered(NamedTuple):
    """A message ready to send: subject, plain text and HTML; for a message the person may
    turn off, the address that does so in one click (notifications.unsubscribe_link)."""

    subject: str
    text: str
    html: str
    unsubscribe: str = ""


Renderer = Callable[[OutboxMessage], Rendered | None]
_renderers: dict[str, Renderer] = {}
_waiting_kinds: set[str] = set()
_after_sent: dict[str, Callable[[OutboxMessage], None]] = {}
_preloaders: dict[str, Callable[[list[OutboxMessage]], None]] = {}
# Ids per delivery task: one claim, one SMTP connection for all of them.
BATCH_SIZE = 100


def register_kind(
    kind: str,
    renderer: Renderer,
    *,
    waits_for_recipient: bool = False,
    after_sent: Callable[[OutboxMessage], None] | None = None,
    preload: Callable[[list[OutboxMessage]], None] | None = None,
) -> None:
    """Let the outbox deliver messages of `kind`. The renderer is called at delivery time, in
    the recipient's language, with the message row; it returns the mail, or None to cancel
    it (what it reminds of is done already). Tokens in links are made there, never stored.
    With `waits_for_recipient` a message goes out only when its recipient may be messaged
    (quiet hours, working days, leave); the organisations it is about are the ids in its
    context's "organizations". `after_sent` is called with the row once it is marked sent
    (with the context as the renderer left it, saved with the row), for what only a mail
    that really went out may record. `preload` is called once per delivered batch with its
    claimed rows of `kind` (recipients loaded) before any is rendered, to fetch what the
    renderer needs for all of them at once; it keeps that on the rows (`message.preloaded`)."""
    if _renderers.get(kind, renderer) is not renderer:
        raise ValueError(f"outbox kind {kind!r} is registered twice")
    _renderers[kind] = renderer
    if waits_for_recipient:
        _waiting_kinds.add(kind)
    if after_sent is not None:
        _after_sent[kind] = after_sent
    if preload is not None:
        _preloaders[kind] = preload


def _next_allowed(recipient: User, kind: str, context: dict, now: datetime.datetime):
    """When the message may go to `recipient`: `now` for kinds that do not wait, else the
    recipient's next allowed moment (two queries)."""
    if kind not in _waiting_kinds:
        return now
    rule = availability_of([recipient], on=now.astimezone(datetime.UTC).date())[recipient.pk]
    return rule.next_allowed(now, context.get("organizations"))


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
    context = context or {}
    now = timezone.now()
    message = OutboxMessage(
        recipient=recipient,
        address=address.strip().lower() if recipient is None else "",
        kind=kind,
        due_slot=str(due_slot),
        context=context,
        next_attempt_at=_next_allowed(recipient, kind, context, now) if recipient else now,
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
    transaction.on_commit(lambda: hand_over(message.pk))
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
    transaction.on_commit(lambda: hand_over(*[message_id for message_id, _id in queued]))
    return {recipient_id for _pk, recipient_id in queued}


def hand_over(*message_ids: int) -> None:
    """Hand the rows to the broker, in batches, from the background thread
    (`werkplek.handoff`) and record when, so the sweep leaves them alone while they wait in
    the broker's queue. A row that could not be handed over waits for the sweep. (Off the
    request, a reset form also answers as fast for a known address as for an unknown one.)"""
    if not message_ids:
        return

    def job():
        now = timezone.now()
        for batch in batches(message_ids):
            send_to_worker(batch)
            _record_hand_over(batch, now)

    handoff.publisher.submit(job, what=f"outbox message(s) {message_ids[0]} and on")


def _record_hand_over(message_ids, now) -> None:
    try:
        # Not a row a worker claimed since (a failed try is queued again): its retry is due
        # for a fresh hand-off.
        OutboxMessage.objects.filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=now),
            pk__in=message_ids,
            status=Status.QUEUED,
        ).update(handed_over_at=now)
    except DatabaseError:  # not recorded: the sweep hands the row over once more, harmless
        logger.warning("hand-off of outbox messages %s not recorded", message_ids)


def batches(message_ids) -> list[list[int]]:
    """The ids in lists of at most `BATCH_SIZE`, one delivery task each."""
    message_ids = list(message_ids)
    return [message_ids[i : i + BATCH_SIZE] for i in range(0, len(message_ids), BATCH_SIZE)]


def send_to_worker(message_ids: list[int]) -> None:
    """Publish the delivery task of one batch of rows, once, without the retries that would
    make a caller wait on a dead broker (the sweep is the retry)."""
    from werkplek.celery import app

    app.send_task(DELIVER_TASK, args=message_ids, retry=False)


def deliver(*message_ids: int) -> None:
    """Send the queued, due messages among `message_ids` whose claim this call wins, over one
    SMTP connection; safe to call any number of times, from any number of workers: only the
    caller whose claim changed a row sends it. Each row is marked on its own (its point of no
    return, then sent or failed), so one mail's failure leaves the others' as they are."""
    now = timezone.now()
    with transaction.atomic():
        # Rows another worker is claiming are skipped: they are that worker's.
        claimed = list(
            OutboxMessage.objects.due(now)
            .filter(pk__in=message_ids)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        # The broker's copy of the hand-off is used up: a retry is handed over afresh.
        OutboxMessage.objects.filter(pk__in=claimed).update(
            status=Status.SENDING,
            claimed_at=now,
            attempts=F("attempts") + 1,
            handed_over_at=None,
            data_sent_at=None,
        )
    if not claimed:
        return  # sent, cancelled, failed, not due yet, or another worker has them
    messages = list(
        OutboxMessage.objects.select_related("recipient").filter(pk__in=claimed).order_by("pk")
    )
    ready = _still_allowed(messages, now)
    for kind, preload in _preloaders.items():
        if of_kind := [message for message in ready if message.kind == kind]:
            preload(of_kind)
    connection = get_connection()
    try:
        for message in ready:
            _send(message, connection, now)
    finally:
        connection.close()


def _mine(message: OutboxMessage, now: datetime.datetime):
    """The row, as long as it is still this delivery's claim."""
    return OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=now)


def _still_allowed(messages: list[OutboxMessage], now: datetime.datetime):
    """The claimed messages that may go out now; the others (leave or quiet hours began since
    they were written) go back to the queue until their recipient's next allowed moment.
    Two queries for the batch, one per message that waits."""
    waiting = [m.recipient for m in messages if m.recipient_id and m.kind in _waiting_kinds]
    rules = availability_of(waiting, on=now.astimezone(datetime.UTC).date()) if waiting else {}
    ready = []
    for message in messages:
        if message.recipient_id and message.kind in _waiting_kinds:
            allowed = rules[message.recipient_id].next_allowed(
                now, message.context.get("organizations")
            )
            if allowed > now:
                _mine(message, now).update(
                    status=Status.QUEUED, next_attempt_at=allowed, attempts=F("attempts") - 1
                )
                continue
        ready.append(message)
    return ready


def _send(message: OutboxMessage, connection, now: datetime.datetime) -> None:
    """Render and send one claimed message over the batch's connection and mark its row."""
    mine = _mine(message, now)
    passed = []  # the point of no return, once reached
    try:
        mail = _render(message)
        if mail is not None:
            mail.connection = connection
            # Only the SMTP backend of werkplek.lib.mail has this point; with another one
            # (locmem in tests, the console) a killed worker's row is queued again.
            if hasattr(connection, "before_final_dot"):
                connection.before_final_dot = functools.partial(_point_of_no_return, mine, passed)
            # Opened once for the batch (`send` would open and close one per mail).
            connection.open()
            mail.send()
    except Exception as error:
        # Whatever state the failure left the connection in, the next mail gets a fresh one.
        connection.close()
        if passed and not isinstance(error, smtplib.SMTPDataError):
            # The server had the whole mail and never said whether it took it (it did not
            # answer, or the connection broke): it may have gone out.
            mine.update(status=Status.UNCERTAIN, last_error=traceback.format_exc(limit=3))
            logger.warning("outbox message %s may have gone out; not sent again", message.pk)
            return
        # Not sent: it failed before the final dot, or the server refused the mail.
        _retry_or_fail(mine, message.attempts, traceback.format_exc(limit=3))
        logger.warning("outbox message %s not sent (attempt %s)", message.pk, message.attempts)
        return
    if mail is None:
        mine.update(status=Status.CANCELLED)
        return
    # A worker killed between the server's answer and this UPDATE leaves the row in
    # 'sending' with `data_sent_at` set: the sweep makes it 'uncertain', never sends it again.
    mine.update(status=Status.SENT, sent_at=timezone.now(), last_error="", context=message.context)
    if message.kind in _after_sent:
        try:
            _after_sent[message.kind](message)
        except Exception:  # the mail is out and marked sent: never send it again for this
            logger.exception("outbox message %s sent; its after-sent step failed", message.pk)


class LeaseLost(Exception):
    """The row is no longer this worker's (the sweep took it back from a worker that was too
    slow): its mail must not go out, the next worker sends it."""


def _point_of_no_return(mine, passed: list) -> None:
    """Called by the backend before the final dot; committed at once (a worker runs in
    autocommit), so a worker killed from here on leaves a row the sweep will not resend.
    Raising stops the mail: the server drops the unterminated DATA."""
    if not mine.update(data_sent_at=timezone.now()):
        raise LeaseLost("the sweep took the row back before its mail was complete")
    passed.append(True)


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
    """The same Message-ID for every attempt of a row, so that a person's resend of an
    uncertain row that had arrived after all is recognisable (mail clients fold messages
    with one id together)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "werkplek.local"
    return f"<outbox.{message.pk}@{domain}>"


def _retry_or_fail(rows, attempts: int, error: str) -> None:
    """After a failed attempt: back to the queue with exponential backoff, or failed (visible
    in `manage.py outbox`) after the last try."""
    error = error[-LAST_ERROR_LENGTH:]  # a traceback's end says where and why
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
    """Deal with rows whose worker died while sending, then hand due rows to the workers:
    what a down broker never took, retries that have come due, and what the broker lost.

    A dead worker's row whose mail was past the point of no return (`data_sent_at`) becomes
    'uncertain': the server may have it, so only a person sends it again. The others go back
    to the queue (or fail after their last try): the server dropped their unfinished DATA.

    A row handed over less than a lease ago waits in the broker's queue for a worker (a slow
    one, perhaps): it is not handed over again, or a backlog would fill the queue with copies
    of itself every minute."""
    now = timezone.now()
    lease_ago = now - datetime.timedelta(seconds=settings.OUTBOX_LEASE)
    stuck = OutboxMessage.objects.filter(status=Status.SENDING, claimed_at__lt=lease_ago)
    uncertain = stuck.filter(data_sent_at__isnull=False).update(
        status=Status.UNCERTAIN, last_error=MAY_HAVE_GONE_OUT
    )
    lost = "The worker stopped before the mail server had all of the mail."
    failed = stuck.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error=lost
    )
    requeued = stuck.update(status=Status.QUEUED, next_attempt_at=now, last_error=lost)
    due = list(
        OutboxMessage.objects.due(now)
        .filter(Q(handed_over_at__isnull=True) | Q(handed_over_at__lt=lease_ago))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    handed = []
    try:
        for batch in batches(due):
            send_to_worker(batch)
            handed.extend(batch)
    finally:  # the broker fell over midway: what it took is handed over all the same
        _record_hand_over(handed, now)
    return {
        "requeued": requeued,
        "failed": failed,
        "uncertain": uncertain,
        "handed_over": len(handed),
    }


RESENDABLE = (Status.FAILED, Status.UNCERTAIN)


@transaction.atomic
def resend(*, message_ids) -> int:
    """Put failed or uncertain messages back in the queue for a fresh series of attempts (an
    uncertain one only when a person has checked it did not arrive). A sent message is never
    sent again, a cancelled one has nothing left to say."""
    rows = OutboxMessage.objects.filter(pk__in=message_ids, status__in=RESENDABLE)
    ids = list(rows.values_list("pk", flat=True))
    rows.update(
        status=Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), handed_over_at=None
    )
    transaction.on_commit(lambda: hand_over(*ids))
    return len(ids)
