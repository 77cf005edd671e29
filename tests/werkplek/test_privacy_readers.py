"""The privacy page's "who reads it" is the code's access rules: for every kind of record
an app registers, the people it names read the learner's rows through the model's door
(`visible_to`), and nobody else does. The scenario is the permission matrix's."""

import datetime

import pytest
from django.utils import timezone

from coaching import evaluations
from coaching.models import (
    FeedbackAddendum,
    GoalAssessment,
    PeerFeedback,
    ProgressReview,
    ProgressReviewComment,
    Reflection,
    ReflectionReaction,
    SignOff,
    ThankYouNote,
)
from kpis.choices import SubjectLevel
from programs.models import CoachProgram, CoachTraining, Invitation
from programs.needs import services as needs_services
from tests.factories import KPIFactory, MeasurementFactory
from tests.test_permission_matrix import scenario  # noqa: F401  (the fixture)
from werkplek.models import NotificationOptOut, OutboxMessage
from werkplek.personal_data import Reader, parts

# Who plays each reader in the scenario.
PLAYED_BY = {
    Reader.PERSON: "learner",
    Reader.COACH: "coach",
    Reader.FORMER_COACH: "former_coach",
    Reader.PEER: "other_learner",
    Reader.MANAGER: "manager",
    Reader.LINE_MANAGER: "line_manager",
}
# Never a reader of anyone's records.
STRANGERS = ("other_coach", "other_manager")
# Whom a kind of record is about where that is not the learner: the coach's thank-you notes,
# training records and the programs they may coach.
ABOUT = {"thank_you_notes": "coach", "coach_trainings": "coach", "coach_programs": "coach"}


@pytest.fixture
def records(scenario):  # noqa: F811
    """One of each kind of record about the learner, dated in the former coach's time."""
    learner, former = scenario.people["learner"], scenario.people["former_coach"]
    then = timezone.now() - datetime.timedelta(days=20)
    moment = scenario.feedback_then
    GoalAssessment.objects.create(feedback_moment=moment, goal=scenario.goal, level=2)
    SignOff.objects.create(
        enrolment=scenario.enrolment,
        checklist_item=scenario.checklist_item,
        signed_by=former,
        signed_on=moment.occurred_on,
        feedback_moment=moment,
    )
    FeedbackAddendum.objects.create(
        feedback_moment=moment, author=former, text="Later aangevuld", created_at=then
    )
    reflection = Reflection.objects.create(
        enrolment=scenario.enrolment,
        due_on=moment.occurred_on,
        answers=[{"question": "Wat ging goed?", "answer": "Veel."}],
        submitted_at=then,
    )
    ReflectionReaction.objects.create(
        reflection=reflection, author=former, text="Mooi", created_at=then
    )
    PeerFeedback.objects.filter(pk=scenario.peer_request.pk).update(text="Goed", given_at=then)
    review = ProgressReview.objects.create(enrolment=scenario.enrolment, planned_on=then.date())
    ProgressReviewComment.objects.create(
        review=review, author=former, text="Goed gesprek", created_at=then
    )
    Invitation.objects.create(
        cohort=scenario.cohort,
        email=learner.email,
        name=learner.name,
        started_on=scenario.enrolment.started_on,
        enrolment=scenario.enrolment,
    )
    kpi = KPIFactory(
        organization=scenario.organization,
        program=scenario.program,
        subject_level=SubjectLevel.LEARNER,
        created_by=scenario.people["manager"],
    )
    MeasurementFactory(kpi=kpi, learner=learner)
    ThankYouNote.objects.create(
        organization=scenario.organization,
        sender=scenario.people["manager"],
        coach=scenario.people["coach"],
        text="Dank voor je geduld met Lotte.",
    )
    # The learner asked for a needs analysis, and their own ratings (managers read averages).
    needs_request = scenario.needs_request
    goals = needs_request.analysis.program.goals.all()
    needs_services.needs_answer(
        actor=learner, request=needs_request, answers={goal.pk: (4, 2) for goal in goals}
    )
    CoachTraining.objects.create(
        organization=scenario.organization,
        coach=scenario.people["coach"],
        course="Werkbegeleider BPV",
        completed_on=then.date(),
        recorded_by=scenario.people["manager"],
    )
    CoachProgram.objects.create(coach=scenario.people["coach"], program=scenario.program)
    evaluated = scenario.evaluated_enrolment
    evaluations.learner_evaluation_submit(
        actor=learner, enrolment=evaluated, scores=[4, 4, 3, 5], open_answer="Meer oefenen"
    )
    NotificationOptOut.objects.create(user=learner, kind="reflection_reminder")
    OutboxMessage.objects.create(recipient=learner, kind="reflection_reminder", due_slot="x")
    return scenario


def _kinds_with_a_door():
    return [
        kind
        for part in parts()
        for kind in part.kinds
        if hasattr(kind.model._default_manager.all(), "visible_to")
    ]


def test_most_kinds_of_record_have_a_door_to_check_against():
    assert len(_kinds_with_a_door()) >= len([k for p in parts() for k in p.kinds]) - 1


def test_who_reads_each_kind_of_record_is_what_the_privacy_page_says(records):
    wrong = []
    for kind in _kinds_with_a_door():
        subject = ABOUT.get(kind.name, "learner")
        rows = kind.rows_about(records.people[subject])
        assert rows.exists(), f"the scenario has no {kind.name} about the {subject}"
        # The person is the one the records are about; nobody else plays two readers.
        played = {
            reader: actor
            for reader, actor in {**PLAYED_BY, Reader.PERSON: subject}.items()
            if actor != subject or reader == Reader.PERSON
        }
        for reader, actor in played.items():
            door = kind.model._default_manager.visible_to(records.people[actor])
            reads = rows.filter(pk__in=door.values("pk")).exists()
            if reads != (reader in kind.readers):
                wrong.append(f"{kind.name}: {reader.value} reads={reads}")
        for actor in STRANGERS:
            door = kind.model._default_manager.visible_to(records.people[actor])
            if rows.filter(pk__in=door.values("pk")).exists():
                wrong.append(f"{kind.name}: {actor} reads it")
    assert wrong == []
