"""Reads on people and organisations that the pages need."""

from django.db.models import Q

from werkplek.models import Membership


def organization_members(organization, *, role=None, search=""):
    """The people of one organisation with their user, ordered by team and name; optionally
    only one role, or only those whose name or e-mail address holds `search`."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    if role:
        members = members.with_role(role)
    if search:
        members = members.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    return members.order_by("team", "user__name", "pk")
