"""Writes on people and organisations."""

import datetime

from django.db import transaction
from django.utils import timezone

from werkplek.choices import Role
from werkplek.models import Membership, Organization, User


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
