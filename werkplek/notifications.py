"""The kinds of message a person may turn off, and the password-free link to do so.

Apps register the kinds they send that are optional (reminders, nudges, digests) with
`register_optional_kind` in their `AppConfig.ready`; the preferences page lists them.
Messages people cannot do without (a password reset, an invitation) are not registered.

Every optional mail carries `preferences_link(user)`: a signed link that opens the
notification settings of that one person, and no other page, without a password.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.urls import reverse

from werkplek.models import NotificationOptOut, User

_optional_kinds: dict[str, str] = {}

PREFERENCES_LINK_SALT = "werkplek.notifications.preferences"
# A mail is read weeks later too; the link changes settings only, never signs anyone in.
PREFERENCES_LINK_MAX_AGE = datetime.timedelta(days=30)


def register_optional_kind(kind: str, label: str) -> None:
    """Let people turn off messages of `kind` (its outbox kind), shown as `label`."""
    if _optional_kinds.get(kind, label) != label:
        raise ValueError(f"notification kind {kind!r} is registered twice")
    _optional_kinds[kind] = label


def optional_kinds() -> dict[str, str]:
    """{kind: label} of every message a person may turn off."""
    return dict(_optional_kinds)


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
    path = reverse("notification-settings-link", args=[preferences_token(user)])
    return settings.SITE_URL.rstrip("/") + path


def user_of_preferences_token(token: str) -> User | None:
    """The active person a settings link belongs to; None when it is altered or expired."""
    try:
        data = signing.loads(token, salt=PREFERENCES_LINK_SALT, max_age=PREFERENCES_LINK_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return User.objects.filter(pk=data["u"], is_active=True).first()
