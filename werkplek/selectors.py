"""Reads on people and organisations that the pages need."""

from werkplek.models import Membership


def organization_members(organization, *, role=None):
    """The people of one organisation, ordered by team and name."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    if role:
        members = members.with_role(role)
    return members.order_by("team", "user__name")
