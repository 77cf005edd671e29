import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory
from werkplek import services
from werkplek.choices import Role
from werkplek.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


def test_email_is_stored_lowercase_so_logins_ignore_case():
    user = User.objects.create_user("Sanne.deVries@Example.NL", "x-password-123", name="Sanne")
    assert user.email == "sanne.devries@example.nl"


def test_two_people_cannot_share_an_email_address():
    User.objects.create_user("a@example.nl", "x-password-123", name="A")
    with pytest.raises(ValidationError):
        User.objects.create_user("A@example.nl", "x-password-123", name="B")


def test_one_person_may_be_coach_and_learner_in_one_organisation(organization):
    user = UserFactory()
    membership = services.membership_set(
        user=user, organization=organization, roles={Role.COACH, Role.LEARNER}
    )
    assert membership.roles == [Role.COACH, Role.LEARNER]
    assert user.roles == {Role.COACH, Role.LEARNER}


def test_a_membership_without_any_role_is_refused(organization):
    with pytest.raises(ValidationError, match="minstens één rol"):
        services.membership_set(user=UserFactory(), organization=organization, roles=set())
    assert not Membership.objects.exists()


def test_membership_set_replaces_roles_instead_of_adding_a_second_row(organization):
    user = UserFactory()
    services.membership_set(user=user, organization=organization, roles={Role.LEARNER})
    services.membership_set(user=user, organization=organization, roles={Role.COACH}, team="Inslag")
    membership = Membership.objects.get(user=user)
    assert membership.roles == [Role.COACH]
    assert membership.team == "Inslag"


def test_managers_manage_only_their_own_organisation(manager, organization, other_organization):
    assert list(Organization.objects.managed_by(manager)) == [organization]
    assert list(Organization.objects.visible_to(manager)) == [organization]


def test_coach_and_learner_manage_nothing(coach, learner):
    assert not Organization.objects.managed_by(coach).exists()
    assert not Organization.objects.managed_by(learner).exists()
