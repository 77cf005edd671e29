"""Every refusal in the werkplek services, reached as a caller would."""

import datetime

import pytest

from werkplek import services
from werkplek.choices import Role
from werkplek.models import Membership, User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "iemand.anders@example.nl"), ("is_staff", True), ("is_superuser", True)],
)
def test_preferences_cannot_change_a_persons_address_or_rights(learner, field, value):
    before = (learner.name, getattr(learner, field))
    with pytest.raises(ValueError, match="can be changed here"):
        services.user_update_preferences(user=learner, name="Nieuwe Naam", **{field: value})
    saved = User.objects.get(pk=learner.pk)
    assert (saved.name, getattr(saved, field)) == before


# --- memberships end, and open again ------------------------------------------------------

LEFT_ON = datetime.date(2026, 11, 20)


def test_a_membership_ends_on_the_day_given_and_the_roles_stop(organization, coach):
    membership = services.membership_end(membership=coach.memberships.get(), on=LEFT_ON)
    assert Membership.objects.get(pk=membership.pk).ended_on == LEFT_ON
    assert not organization.holds_role(coach, Role.COACH)


def test_someone_who_left_and_is_given_roles_again_is_a_member_again(organization, coach):
    services.membership_end(membership=coach.memberships.get(), on=LEFT_ON)
    services.membership_set(user=coach, organization=organization, roles={Role.COACH})
    assert organization.holds_role(coach, Role.COACH)
    assert list(Membership.objects.filter(user=coach).values_list("ended_on", flat=True)) == [None]


def test_someone_who_left_and_gets_a_role_added_is_a_member_again(organization, coach):
    services.membership_end(membership=coach.memberships.get(), on=LEFT_ON)
    services.membership_add_role(user=coach, organization=organization, role=Role.LEARNER)
    assert organization.holds_role(coach, Role.LEARNER)
    assert list(Membership.objects.filter(user=coach).values_list("ended_on", flat=True)) == [None]


def test_a_manager_who_left_and_comes_back_as_a_learner_is_no_manager_again(organization, manager):
    services.membership_end(membership=manager.memberships.get(), on=LEFT_ON)
    services.membership_add_role(user=manager, organization=organization, role=Role.LEARNER)
    assert organization.holds_role(manager, Role.LEARNER)
    assert not organization.holds_role(manager, Role.MANAGER)
