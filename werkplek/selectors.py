"""Reads on people and organisations that the pages need."""

from django.db.models import Count, Exists, OuterRef, Q

from werkplek.models import Membership, Organization


def organizations_for_home(user):
    """The user's organisations, each with whether they manage it and how many hold each role."""
    managed = Membership.objects.filter(user=user, organization=OuterRef("pk"), is_manager=True)
    return (
        Organization.objects.visible_to(user)
        .annotate(
            is_managed=Exists(managed),
            manager_count=Count("memberships", filter=Q(memberships__is_manager=True)),
            coach_count=Count("memberships", filter=Q(memberships__is_coach=True)),
            learner_count=Count("memberships", filter=Q(memberships__is_learner=True)),
        )
        .order_by("name")
    )


def organization_members(organization, *, role=None, search=""):
    """The people of one organisation with their user, ordered by team and name; optionally
    only one role, or only those whose name or e-mail address holds `search`."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    if role:
        members = members.with_role(role)
    if search:
        members = members.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    return members.order_by("team", "user__name", "pk")
