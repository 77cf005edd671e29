"""Writes on people and organisations."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from werkplek import notifications
from werkplek.choices import Role
from werkplek.models import Membership, Organization, OutboxMessage, User


@transaction.atomic
def user_update_preferences(*, user: User, **fields) -> User:
    """Change a person's name, language or time zone."""
    allowed = {"name", "language", "time_zone"}
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
) -> Membership:
    """Give a person exactly these roles, team and capacity in an organisation."""
    membership = _membership(user, organization)
    for role, field in Membership.ROLE_FIELDS.items():
        setattr(membership, field, role in roles)
    membership.team = team
    membership.coach_capacity = coach_capacity
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_add_role(
    *, user: User, organization: Organization, role: Role, team: str = ""
) -> Membership:
    """Add one role to a person in an organisation, keeping what they had (team if not given)."""
    membership = _membership(user, organization)
    setattr(membership, Membership.ROLE_FIELDS[role], True)
    membership.team = team or membership.team
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, on: datetime.date | None = None) -> Membership:
    """End a membership: the person loses access, the history of their roles stays."""
    membership.ended_on = on or timezone.localdate()
    membership.full_clean()
    membership.save(update_fields=["ended_on"])
    return membership


@transaction.atomic
def organization_update_settings(
    *, actor: User, organization: Organization, max_learning_hours_per_week
) -> Organization:
    """An L&D manager of the organisation changes its settings (today the overload guard's
    maximum learning hours per learner per week)."""
    if not organization.holds_role(actor, Role.MANAGER):
        raise PermissionDenied
    organization.max_learning_hours_per_week = max_learning_hours_per_week
    organization.full_clean()
    organization.save(update_fields=["max_learning_hours_per_week"])
    return organization


def notification_mark_read(*, actor: User, message: OutboxMessage) -> None:
    """The person opened one of their notifications: it no longer counts in the bell."""
    notifications.of(actor).filter(pk=message.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, actor: User) -> int:
    """Every unread notification of the person is read now; answers how many."""
    return notifications.of(actor).filter(read_at__isnull=True).update(read_at=timezone.now())
