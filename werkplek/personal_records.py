"""werkplek's part of a person's data (see werkplek.personal_data): their profile, roles,
leave, notification choices and the messages addressed to them."""

from django.utils.translation import gettext_lazy as _

from werkplek.models import Leave, Membership, NotificationOptOut, OutboxMessage, User
from werkplek.personal_data import Kind, Reader, erase_own_part, register

EVERYONE_AROUND = frozenset(Reader)
OWN_AND_MANAGERS = frozenset({Reader.PERSON, Reader.MANAGER})

KINDS = [
    Kind(
        name="profile",
        model=User,
        about=("id",),
        columns=(
            "name",
            "email",
            "language",
            "time_zone",
            "quiet_hours_start",
            "quiet_hours_end",
            "date_joined",
            "last_login",
            "is_active",
        ),
        label=_("Profile"),
        purpose=_("To sign you in, to address you, and to send mail at times that suit you."),
        readers=EVERYONE_AROUND,
    ),
    Kind(
        name="memberships",
        model=Membership,
        about=("user",),
        columns=(
            "organization__name",
            "is_manager",
            "is_coach",
            "is_learner",
            "team",
            "coach_capacity",
            "created_at",
            "ended_on",
        ),
        label=_("Roles in organisations"),
        purpose=_("What you may see and do in each organisation, and in which team."),
        readers=OWN_AND_MANAGERS,
    ),
    Kind(
        name="leave",
        model=Leave,
        about=("user",),
        columns=("starts_on", "ends_on", "created_at"),
        label=_("Leave"),
        purpose=_("So that no reminders reach you while you are away."),
        readers=OWN_AND_MANAGERS,
    ),
    Kind(
        name="notifications_turned_off",
        model=NotificationOptOut,
        about=("user",),
        columns=("kind", "created_at"),
        label=_("Notifications turned off"),
        purpose=_("So that you receive only the messages you want."),
        readers=frozenset({Reader.PERSON}),
    ),
    Kind(
        name="messages",
        model=OutboxMessage,
        about=("recipient",),
        columns=("kind", "due_slot", "context", "status", "created_at", "sent_at", "read_at"),
        label=_("Messages to you"),
        purpose=_("Each e-mail is sent once, and shows in your notifications."),
        # Managers do not read them: only staff, in the admin, to resolve delivery problems.
        readers=frozenset({Reader.PERSON}),
    ),
]


def register_part() -> None:
    register("werkplek", kinds=KINDS, erase=erase_own_part)
