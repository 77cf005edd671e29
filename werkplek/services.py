"""Writes on people and organisations."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from werkplek import audit, notifications, signin
from werkplek.choices import Role
from werkplek.models import (
    FormSubmission,
    Leave,
    Membership,
    NotificationOptOut,
    Organization,
    OutboxMessage,
    User,
)


@transaction.atomic
def user_update_preferences(*, user: User, **fields) -> User:
    """Change a person's name, language, time zone or own quiet hours."""
    allowed = {"name", "language", "time_zone", "quiet_hours_start", "quiet_hours_end"}
    if not set(fields) <= allowed:
        raise ValueError(f"only {sorted(allowed)} can be changed here")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields))
    return user


def _membership(user: User, organization: Organization) -> Membership:
    """The person's current membership of the organisation, or a fresh one: someone who
    left and comes back starts without the roles they had (the row is reused, since a
    person has one membership per organisation)."""
    existing = Membership.objects.filter(user=user, organization=organization).first()
    if existing is None:
        return Membership(user=user, organization=organization)
    if existing.ended_on is not None:
        for field in Membership.ROLE_FIELDS.values():
            setattr(existing, field, False)
        existing.team, existing.coach_capacity, existing.ended_on = "", None, None
    return existing


@transaction.atomic
def membership_set(
    *,
    user: User,
    organization: Organization,
    roles: set,
    team: str = "",
    coach_capacity: int | None = None,
    actor: User | None = None,
) -> Membership:
    """Give a person exactly these roles, team and capacity in an organisation."""
    membership = audit.acted_by(_membership(user, organization), actor)
    for role, field in Membership.ROLE_FIELDS.items():
        setattr(membership, field, role in roles)
    membership.team = team
    membership.coach_capacity = coach_capacity
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_add_role(
    *,
    user: User,
    organization: Organization,
    role: Role,
    team: str = "",
    actor: User | None = None,
    reason: str = "",
) -> Membership:
    """Add one role to a person in an organisation, keeping what they had (team if not given).
    A person who holds it already, in the same team, is left alone: no save, so the
    organisation's history shows no change that is none (an import of known learners)."""
    membership = audit.acted_by(_membership(user, organization), actor, reason=reason)
    field = Membership.ROLE_FIELDS[role]
    if membership.pk and getattr(membership, field) and team in ("", membership.team):
        return membership
    setattr(membership, field, True)
    membership.team = team or membership.team
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_end(
    *, membership: Membership, on: datetime.date | None = None, actor: User | None = None
) -> Membership:
    """End a membership: the person loses access, the history of their roles stays."""
    audit.acted_by(membership, actor)
    membership.ended_on = on or timezone.localdate()
    membership.full_clean()
    membership.save(update_fields=["ended_on"])
    return membership


ORGANIZATION_SETTINGS = {
    "max_learning_hours_per_week",
    "quiet_hours_start",
    "quiet_hours_end",
    "working_weekdays",
    "retention_months",
    "two_factor_required_for_managers",
}


@transaction.atomic
def organization_update_settings(
    *, actor: User, organization: Organization, **fields
) -> Organization:
    """An L&D manager of the organisation changes its settings: the overload guard's maximum
    learning hours per learner per week, the quiet hours and working days reminders keep, its
    own AVG retention period (6 to 120 months, or the site's), and whether its managers must
    sign in in two steps (turned on only by a manager who does, so that nobody locks the
    organisation's managers out without knowing the way in)."""
    if not organization.holds_role(actor, Role.MANAGER):
        raise PermissionDenied
    unknown = set(fields) - ORGANIZATION_SETTINGS
    if unknown:
        raise ValueError(f"{sorted(unknown)} are not organisation settings")
    # Asked of the outcome, not of the change: a form may have set the field already.
    requires = fields.get(
        "two_factor_required_for_managers", organization.two_factor_required_for_managers
    )
    if requires and not signin.has_authenticator_app(actor):
        raise ValidationError(
            {
                "two_factor_required_for_managers": _(
                    "Turn on two-step sign-in for yourself first (in the menu under your "
                    "name), then require it of every L&D manager."
                )
            }
        )
    for name, value in fields.items():
        setattr(organization, name, value)
    audit.acted_by(organization, actor)
    organization.full_clean()
    organization.save(update_fields=list(fields))
    return organization


def notification_mark_read(*, actor: User, message: OutboxMessage) -> None:
    """The person opened one of their notifications: it no longer counts in the bell."""
    notifications.in_app(actor).filter(pk=message.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, actor: User) -> int:
    """Every unread notification of the person is read now; answers how many."""
    return notifications.in_app(actor).filter(read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_settings_set(*, actor: User, user: User, enabled: dict[str, bool]) -> None:
    """Turn kinds of optional message on or off for one person, by themself (signed in, or
    through their mail's settings or unsubscribe link: then the link's person acts); nobody
    chooses another's mail. Kinds that are not optional for their roles are refused."""
    if actor.pk != user.pk:
        raise PermissionDenied
    unknown = set(enabled) - set(notifications.optional_kinds(user))
    if unknown:
        raise ValueError(f"{sorted(unknown)} cannot be turned off")
    off = [kind for kind, on in enabled.items() if not on]
    turned_on = [kind for kind, on in enabled.items() if on]
    NotificationOptOut.objects.filter(user=user, kind__in=turned_on).delete()
    NotificationOptOut.objects.bulk_create(
        [NotificationOptOut(user=user, kind=kind) for kind in off], ignore_conflicts=True
    )


@transaction.atomic
def preferences_save(*, actor: User, fields: dict, enabled: dict[str, bool]) -> User:
    """A person saves their preferences page: their own settings and mail switches, both or
    neither."""
    user = user_update_preferences(user=actor, **fields)
    notification_settings_set(actor=actor, user=user, enabled=enabled)
    return user


def _ensure_may_set_leave(actor: User, user: User) -> None:
    if not Leave.objects.people_editable_by(actor).filter(pk=user.pk).exists():
        raise ValidationError(_("You can set leave for yourself and your learners only."))


@transaction.atomic
def leave_create(
    *, actor: User, user: User, starts_on: datetime.date, ends_on: datetime.date
) -> Leave:
    """Record that a person is away from `starts_on` until `ends_on` (both included): by
    themself, or by an L&D manager for a learner of their organisation."""
    _ensure_may_set_leave(actor, user)
    leave = Leave(user=user, starts_on=starts_on, ends_on=ends_on, created_by=actor)
    audit.acted_by(leave, actor)
    leave.full_clean()
    leave.save()
    return leave


@transaction.atomic
def leave_delete(*, actor: User, leave: Leave) -> None:
    """Remove a leave period (cancelled, or typed wrong): by whom may set it."""
    _ensure_may_set_leave(actor, leave.user)
    audit.acted_by(leave, actor).delete()


# A replay comes seconds or hours after the first post (a double tap, a restored tab); a week
# covers a browser reopened after a weekend, and keeps the table small.
FORM_SUBMISSIONS_KEPT = datetime.timedelta(days=7)


def form_submissions_prune(*, now: datetime.datetime | None = None) -> int:
    """Forget the one-time tokens of forms posted more than FORM_SUBMISSIONS_KEPT ago."""
    cutoff = (now or timezone.now()) - FORM_SUBMISSIONS_KEPT
    deleted, _by_model = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


BACKUP_CODE_COUNT = 10


@transaction.atomic
def two_factor_enable(*, actor: User, key: str, token: str) -> list[str]:
    """A manager turns on two-step sign-in: an authenticator app that holds `key`, once
    `token` proves it, and backup codes, returned to be shown once (stored as they are,
    as django-otp keeps them, and deleted when used)."""
    if not actor.has_role(Role.MANAGER):
        raise PermissionDenied
    if user_has_device(actor):
        raise ValidationError(_("Two-step sign-in is on already."))
    app = TOTPDevice(user=actor, key=key, name=_("Authenticator app"), confirmed=True)
    app.full_clean()
    app.save()
    if not app.verify_token(token):  # a wrong code rolls the device back with the rest
        raise ValidationError(
            {"otp_token": _("This code is not right. Check your app and try again.")}
        )
    backup = StaticDevice.objects.create(user=actor, name=_("Backup codes"), confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=c) for c in codes])
    return codes


@transaction.atomic
def two_factor_disable(*, actor: User, verified_device: Device) -> None:
    """A person turns off two-step sign-in, after a code from `verified_device` (their app,
    or a backup code) was checked: their app and backup codes are removed."""
    if verified_device.user_id != actor.pk:
        raise PermissionDenied
    for device in devices_for_user(actor, confirmed=None):
        device.delete()
