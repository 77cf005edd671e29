"""The admin shows every domain row but writes only through the services."""

import pytest
from django.urls import reverse

from programs import services
from programs.choices import ProgramStatus
from tests.factories import UserFactory
from werkplek.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    [
        "programs/program",
        "programs/learninggoal",
        "programs/checklistitem",
        "programs/cohort",
        "programs/enrolment",
        "programs/pairing",
        "programs/learnerimport",
        "coaching/feedbackmoment",
        "coaching/signoff",
    ],
)
def test_domain_rows_cannot_be_added_in_the_admin(admin_client, model):
    app, name = model.split("/")
    assert admin_client.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{app}_{name}_add")).status_code == 403


def test_an_archived_programs_goal_cannot_be_changed_in_the_admin(admin_client, program):
    goal = program.goals.create(title="Scannen", target_week=1)
    program.status = ProgramStatus.ARCHIVED
    program.save()
    url = reverse("admin:programs_learninggoal_change", args=[goal.pk])
    response = admin_client.post(url, {"title": "Anders", "target_week": 1, "program": program.pk})
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.title == "Scannen"


def test_the_admin_shows_who_changed_a_program_and_never_reverts_it(admin_client, program, manager):
    services.program_update(actor=manager, program=program, feedback_every_days=3)
    response = admin_client.get(reverse("admin:programs_program_history", args=[program.pk]))
    assert response.status_code == 200
    assert manager.name in response.text
    version = program.history.latest()
    url = reverse("admin:programs_program_simple_history", args=[program.pk, version.pk])
    admin_client.post(url, {"name": "Teruggezet"})
    program.refresh_from_db()
    assert program.name != "Teruggezet"


def test_a_membership_is_ended_in_the_admin_not_deleted(admin_client, coach, organization):
    membership = Membership.objects.get(user=coach)
    url = reverse("admin:werkplek_membership_changelist")
    admin_client.post(url, {"action": "end_memberships", "_selected_action": [membership.pk]})
    membership.refresh_from_db()
    assert membership.ended_on is not None
    assert not organization.holds_role(coach, "coach")
    delete = reverse("admin:werkplek_membership_delete", args=[membership.pk])
    assert admin_client.get(delete).status_code == 403


def test_a_member_who_left_no_longer_coaches(client, coach, enrolment):
    Membership.objects.filter(user=coach).update(ended_on="2026-11-20")
    client.force_login(coach)
    assert client.get(reverse("coaching:progress", args=[enrolment.pk])).status_code == 404
    assert client.get(reverse("coaching:feedback-create", args=[enrolment.pk])).status_code == 404
    assert client.get(reverse("coaching:home")).status_code == 404
    assert not enrolment.is_coached_now_by(coach)
