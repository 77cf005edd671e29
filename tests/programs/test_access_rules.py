"""The access rules and the review's bugs, each held by a test that failed before its fix."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching import services as coaching_services
from coaching.models import PeerFeedback
from programs import services
from programs.choices import ProgramStatus
from programs.models import Enrolment, Method, Pairing
from tests.factories import EnrolmentFactory, LearningGoalFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)


@time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC), tick=False)
def test_a_pairing_dated_ahead_takes_effect_on_its_day(client, enrolment, coach, other_coach):
    services.pairing_set(
        enrolments=[enrolment], coach=other_coach, on=TODAY + datetime.timedelta(days=30)
    )
    assert list(Enrolment.objects.coached_by(coach)) == [enrolment]
    assert not Enrolment.objects.coached_by(other_coach).exists()
    client.force_login(coach)
    assert client.get(reverse("coaching:feedback-create", args=[enrolment.pk])).status_code == 200
    client.force_login(other_coach)
    assert client.get(reverse("coaching:feedback-create", args=[enrolment.pk])).status_code == 404
    later = TODAY + datetime.timedelta(days=30)
    assert list(Enrolment.objects.coached_by(other_coach, on=later)) == [enrolment]
    assert not Enrolment.objects.coached_by(coach, on=later).exists()


def test_the_first_coach_of_an_enrolment_that_has_not_started_may_prepare(cohort, coach):
    enrolment = EnrolmentFactory(cohort=cohort, started_on=TODAY + datetime.timedelta(days=14))
    services.pairing_set(enrolments=[enrolment], coach=coach, on=TODAY)
    assert list(Enrolment.objects.coached_by(coach, on=TODAY)) == [enrolment]


def test_a_manager_of_two_organisations_opens_the_methods_of_each(
    client, manager, organization, other_organization
):
    MembershipFactory(user=manager, organization=other_organization, is_manager=True)
    Method.objects.create(organization=other_organization, name="Meeloopdag")
    client.force_login(manager)
    page = client.get(reverse("programs:methods", args=[other_organization.slug]))
    assert "Meeloopdag" in page.content.decode()
    own = client.get(reverse("programs:methods", args=[organization.slug]))
    assert "Meeloopdag" not in own.content.decode()


def test_the_methods_of_an_organisation_one_does_not_manage_answer_404(
    client, manager, other_organization
):
    client.force_login(manager)
    url = reverse("programs:methods", args=[other_organization.slug])
    assert client.get(url).status_code == 404


def test_pairing_refuses_a_coach_at_capacity_unless_the_manager_confirms(cohort, organization):
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, coach_capacity=1
    ).user
    first, second = EnrolmentFactory.create_batch(2, cohort=cohort)
    services.pairing_set(enrolments=[first], coach=coach, on=TODAY)
    with pytest.raises(ValidationError, match="capaciteit van 1"):
        services.pairing_set(enrolments=[second], coach=coach, on=TODAY)
    assert Pairing.objects.filter(coach=coach).count() == 1
    services.pairing_set(enrolments=[second], coach=coach, on=TODAY, allow_over_capacity=True)
    assert Pairing.objects.filter(coach=coach).count() == 2


def test_enrolling_with_a_coach_at_capacity_is_refused(cohort, organization, learner):
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, coach_capacity=0
    ).user
    with pytest.raises(ValidationError, match="capaciteit van 0"):
        services.enrolment_create(cohort=cohort, learner=learner, started_on=TODAY, coach=coach)
    assert not Enrolment.objects.exists()


def test_the_program_service_refuses_an_owner_who_is_not_a_manager(organization, coach, program):
    with pytest.raises(ValidationError, match="L&D-manager"):
        services.program_create(
            actor=program.owner,
            organization=organization,
            name="Inwerken reachtruck",
            business_objective="Zelfstandig",
            owner=coach,
            duration_weeks=4,
        )
    with pytest.raises(ValidationError, match="L&D-manager"):
        services.program_update(actor=program.owner, program=program, owner=coach)


@pytest.fixture
def peer_request(enrolment, other_enrolment, other_learner, program):
    goal = LearningGoalFactory(program=program)
    return coaching_services.peer_feedback_request(
        actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
    )


def test_an_archived_program_accepts_no_peer_feedback(client, program, other_learner, peer_request):
    program.status = ProgramStatus.ARCHIVED
    program.save()
    client.force_login(other_learner)
    response = client.post(reverse("coaching:peer-give", args=[peer_request.pk]), {"text": "Top"})
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="gearchiveerd"):
        coaching_services.peer_feedback_give(request=peer_request, actor=other_learner, text="Top")
    assert PeerFeedback.objects.get().given_at is None


def test_an_ended_enrolment_accepts_no_feedback_reflection_or_peer_request(
    enrolment, coach, other_learner, program
):
    enrolment.ended_on, enrolment.end_reason = TODAY, "stopped"
    enrolment.save()
    with pytest.raises(ValidationError, match="gestopt met dit programma"):
        coaching_services.feedback_moment_create(
            enrolment=enrolment, actor=coach, occurred_on=TODAY, shift="morning", went_well="Ok"
        )
    with pytest.raises(ValidationError, match="gestopt met dit programma"):
        coaching_services.reflection_submit(
            enrolment=enrolment,
            actor=enrolment.learner,
            answers=[{"question": "Wat ging goed?", "answer": "Alles"}],
        )
    with pytest.raises(ValidationError, match="gestopt met dit programma"):
        coaching_services.peer_feedback_request(
            actor=enrolment.learner,
            enrolment=enrolment,
            goal=LearningGoalFactory(program=program),
            peer=other_learner,
        )


def test_only_the_current_coach_records_feedback_in_the_service(enrolment, other_coach):
    with pytest.raises(ValidationError, match="huidige coach"):
        coaching_services.feedback_moment_create(
            enrolment=enrolment,
            actor=other_coach,
            occurred_on=enrolment.started_on,
            shift="morning",
            went_well="Ok",
        )
