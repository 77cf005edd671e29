"""The organisation's history: who changed its settings and who gave or took whose role."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory
from werkplek import services
from werkplek.choices import Role

pytestmark = pytest.mark.django_db


def test_managers_read_who_changed_settings_and_roles(client, manager, organization):
    services.organization_update_settings(
        actor=manager, organization=organization, quiet_hours_start=datetime.time(21, 0)
    )
    person = UserFactory(name="Sanne Verbeek")
    services.membership_add_role(
        user=person, organization=organization, role=Role.COACH, actor=manager
    )
    membership = services.membership_add_role(
        user=person, organization=organization, role=Role.MANAGER, actor=manager
    )
    services.membership_end(membership=membership, actor=manager, on=datetime.date(2026, 12, 1))
    client.force_login(manager)
    page = client.get(reverse("organization-history", args=[organization.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Rusttijden vanaf" in html
    assert "<del>20:00</del> &rarr; <ins" in html
    # Every line about a membership names its person, also where the person did not change.
    assert html.count("Lidmaatschap · Sanne Verbeek") == 3
    # Capitals stay as the label has them (not "L&d-manager").
    assert "L&amp;D-manager</dt>" in html
    assert "Vertrokken op" in html
    assert manager.name in html


def test_the_organisation_page_links_to_its_history(client, manager, organization):
    client.force_login(manager)
    page = client.get(reverse("organization-detail", args=[organization.slug])).content.decode()
    assert reverse("organization-history", args=[organization.slug]) in page


@pytest.mark.parametrize("actor", ["coach", "learner", "other_manager"])
def test_nobody_else_finds_it(client, request, organization, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("organization-history", args=[organization.slug]))
    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_a_long_history_takes_the_same_queries_as_a_short_one(
    client, manager, organization, django_assert_num_queries, count
):
    for number in range(count):
        membership = MembershipFactory(organization=organization, team=f"Team {number}")
        services.membership_add_role(
            user=membership.user, organization=organization, role=Role.COACH, actor=manager
        )
        services.organization_update_settings(
            actor=manager, organization=organization, max_learning_hours_per_week=number % 40
        )
    client.force_login(manager)
    with django_assert_num_queries(12):
        response = client.get(reverse("organization-history", args=[organization.slug]))
    assert response.status_code == 200
    assert response.content.decode().count('<li class="border-bottom') == min(2 + 3 * count, 20)


def test_giving_a_role_someone_holds_already_is_no_change(manager, organization, learner):
    before = learner.memberships.get().history.count()
    services.membership_add_role(
        user=learner, organization=organization, role=Role.LEARNER, actor=manager
    )
    services.membership_add_role(
        user=learner, organization=organization, role=Role.LEARNER, team="", actor=manager
    )
    assert learner.memberships.get().history.count() == before
    services.membership_add_role(
        user=learner, organization=organization, role=Role.LEARNER, team="Inslag", actor=manager
    )
    assert learner.memberships.get().history.count() == before + 1
