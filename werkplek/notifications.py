"""Notifications: which kinds of message a person may turn off, and which show in the app.

Two registries, both filled by apps in their `AppConfig.ready`, next to the renderer they
give the outbox:

- **Optional kinds** (`register_optional_kind`): messages a person may turn off (reminders,
  nudges, digests), each for the roles that receive it, listed on the preferences page of
  the people who hold one of those roles. Messages people cannot do without (a
  password reset, an invitation) are not registered. Every optional mail carries
  `preferences_link(user)`: a signed link that opens the notification settings of that one
  person, and no other page, without a password; its renderer asks `wants` at delivery,
  and gives the outbox `unsubscribe_link(user, kind)` for the mail's one-click
  List-Unsubscribe header (RFC 8058).
- **In-app kinds** (`register_in_app_kind`): messages that also show in the app's bell and
  notification list, with a short title and the page they are about. A notification is not
  a second record of a message: it is the outbox row itself, with a `read_at` of its own, so
  whatever the outbox sends once per due slot is exactly what the bell counts. Kinds
  without one stay mail only.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.core import signing
from django.urls import reverse

from werkplek.choices import Role
from werkplek.lib.urls import absolute_url
from werkplek.models import NotificationOptOut, OutboxMessage, User

# --- Optional kinds: a person may turn them off --------------------------------------------


class OptionalKind(NamedTuple):
    label: str
    roles: frozenset[Role]


_optional_kinds: dict[str, OptionalKind] = {}

PREFERENCES_LINK_SALT = "werkplek.notifications.preferences"
# A mail is read weeks later too; the link changes settings only, never signs anyone in.
PREFERENCES_LINK_MAX_AGE = datetime.timedelta(days=30)


def register_optional_kind(kind: str, label: str, *, roles: Iterable[Role]) -> None:
    """Let people who hold one of `roles` turn off messages of `kind` (its outbox kind),
    shown as `label`: only they receive it."""
    entry = OptionalKind(label, frozenset(roles))
    if not entry.roles:
        raise ValueError(f"notification kind {kind!r} is for no role")
    if _optional_kinds.get(kind, entry) != entry:
        raise ValueError(f"notification kind {kind!r} is registered twice")
    _optional_kinds[kind] = entry


def optional_kinds(user: User) -> dict[str, str]:
    """{kind: label} of every message `user` may turn off: the kinds for the roles they
    hold now (a learner has no use for a coach's nudges)."""
    return {
        kind: entry.label for kind, entry in _optional_kinds.items() if entry.roles & user.roles
    }


def turned_off(users: Iterable[User], kind: str) -> set[int]:
    """The ids of those of `users` who turned `kind` off (one query)."""
    return set(
        NotificationOptOut.objects.filter(user__in=users, kind=kind).values_list("user", flat=True)
    )


def wants(user: User, kind: str) -> bool:
    """Whether the person still receives messages of `kind`."""
    return not NotificationOptOut.objects.filter(user=user, kind=kind).exists()


def preferences_token(user: User) -> str:
    """The signed token of a person's notification settings link."""
    return signing.dumps({"u": user.pk}, salt=PREFERENCES_LINK_SALT, compress=True)


def preferences_link(user: User) -> str:
    """The full address of a person's password-free notification settings page."""
    return absolute_url(reverse("notification-settings-link", args=[preferences_token(user)]))


def user_of_preferences_token(token: str) -> User | None:
    """The active person a settings link belongs to; None when it is altered or expired."""
    data = _loads(token, PREFERENCES_LINK_SALT, PREFERENCES_LINK_MAX_AGE)
    return _active_user(data)


UNSUBSCRIBE_LINK_SALT = "werkplek.notifications.unsubscribe"
# A mail client may offer "unsubscribe" long after the mail came; the link turns off one
# kind for one person only, and the person turns it on again in their settings.
UNSUBSCRIBE_LINK_MAX_AGE = datetime.timedelta(days=90)


def unsubscribe_token(user: User, kind: str) -> str:
    """The signed token of the address that turns `kind` off for `user`."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_LINK_SALT, compress=True)


def unsubscribe_link(user: User, kind: str) -> str:
    """The full address that turns `kind` off for `user` with one POST (RFC 8058)."""
    path = reverse("notification-unsubscribe", args=[unsubscribe_token(user, kind)])
    return absolute_url(path)


def of_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """(the active person, the kind) an unsubscribe link names; None when it is altered,
    expired, or names a kind the person cannot turn off (any more)."""
    data = _loads(token, UNSUBSCRIBE_LINK_SALT, UNSUBSCRIBE_LINK_MAX_AGE)
    user = _active_user(data)
    if user is None or data.get("k") not in optional_kinds(user):
        return None
    return user, data["k"]


def _loads(token: str, salt: str, max_age: datetime.timedelta):
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None


def _active_user(data) -> User | None:
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return User.objects.filter(pk=data["u"], is_active=True).first()


# --- In-app kinds: shown in the bell and the notification list ----------------------------


class Notice(NamedTuple):
    """How one message shows in the app: a one-line title and the page it is about."""

    title: str
    url: str


Describer = Callable[[OutboxMessage], Notice]
_describers: dict[str, Describer] = {}


def register_in_app_kind(kind: str, describe: Describer) -> None:
    """Show messages of `kind` in the app. `describe` is called with the row, in the reader's
    language, and uses only the row's context (no queries: a page lists many)."""
    if _describers.get(kind, describe) is not describe:
        raise ValueError(f"notification kind {kind!r} is registered twice")
    _describers[kind] = describe


def in_app(user: User):
    """The person's notifications, newest first: their own outbox rows of kinds that show in
    the app, once sent. A queued row may still be cancelled (the reflection it reminds of is
    handed in first) or wait for the end of the person's quiet hours or leave: the bell
    shows what the mail said, when the mail said it, and never what was taken back."""
    return (
        OutboxMessage.objects.to_recipient(user)
        .filter(kind__in=list(_describers), status=OutboxMessage.Status.SENT)
        .order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    """The bell's number (one query)."""
    return in_app(user).filter(read_at__isnull=True).count()


def describe(message: OutboxMessage) -> Notice:
    return _describers[message.kind](message)
