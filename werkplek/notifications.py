"""In-app notifications: the outbox's rows to a person, read in the app as well as by mail.

A notification is not a second record of a message: it is the outbox row itself, with a
`read_at` of its own. So whatever the outbox writes once per due slot is exactly what the
bell counts, without a second write path that could drift from the mail. A kind shows in
the app once its app registers how to describe it (a short title and where it leads) with
`register_kind`, next to the renderer it gave the outbox. Kinds without one (a password
reset, an invitation to someone without an account) stay mail only.
"""

from collections.abc import Callable
from typing import NamedTuple

from werkplek.models import OutboxMessage, User


class Notice(NamedTuple):
    """How one message shows in the app: a one-line title and the page it is about."""

    title: str
    url: str


Describer = Callable[[OutboxMessage], Notice]
_describers: dict[str, Describer] = {}


def register_kind(kind: str, describe: Describer) -> None:
    """Show messages of `kind` in the app. `describe` is called with the row, in the reader's
    language, and uses only the row's context (no queries: a page lists many)."""
    if _describers.get(kind, describe) is not describe:
        raise ValueError(f"notification kind {kind!r} is registered twice")
    _describers[kind] = describe


def of(user: User):
    """The person's notifications, newest first: their own outbox rows of kinds that show in
    the app; a message cancelled before delivery had nothing left to say."""
    return (
        OutboxMessage.objects.to_recipient(user)
        .filter(kind__in=list(_describers))
        .exclude(status=OutboxMessage.Status.CANCELLED)
        .order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    """The bell's number (one query)."""
    return of(user).filter(read_at__isnull=True).count()


def describe(message: OutboxMessage) -> Notice:
    return _describers[message.kind](message)
