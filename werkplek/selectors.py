"""Reads on people and organisations that the pages need."""

from django.db.models import Q
from django.utils import timezone

from werkplek import audit
from werkplek.choices import Role
from werkplek.models import Leave, Membership, Organization

# The leave a page shows of one person: what is coming, the nearest first.
LEAVE_SHOWN = 20


def organization_members(organization, *, role=None, search=""):
    """The people of one organisation with their user, ordered by team and name; optionally
    only one role, or only those whose name or e-mail address holds `search`."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    if role:
        members = members.with_role(role)
    if search:
        members = members.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    return members.order_by("team", "user__name", "pk")


def upcoming_leave(viewer, person):
    """The leave of `person` that has not ended, as `viewer` may see it, nearest first."""
    today = timezone.localdate()
    leave = Leave.objects.visible_to(viewer).filter(user=person, ends_on__gte=today)
    return leave.order_by("starts_on", "pk")[:LEAVE_SHOWN]


def learner_of(organization, pk):
    """A current learner's membership of `organization` (with the user), by its id."""
    return (
        Membership.objects.with_role(Role.LEARNER)
        .select_related("user")
        .filter(organization=organization, pk=pk)
    )


def organization_trail(organization) -> list[audit.Source]:
    """Changes to an organisation's settings and to its memberships: who was given or lost
    which role, and who left, each line naming the person."""
    return [
        audit.Source(
            Organization.history.filter(id=organization.pk),
            formats={"working_weekdays": audit.weekdays_label},
        ),
        audit.Source(
            Membership.history.filter(organization_id=organization.pk),
            hidden=frozenset({"organization"}),
            subject="user",
        ),
    ]
