"""A former coach reads what they wrote and the progress as it stood on their last day."""

import datetime

import pytest
from django.urls import reverse

from coaching import selectors
from coaching.models import FeedbackAddendum
from programs import services as program_services
from tests.factories import (
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db

HANDOVER = datetime.date(2026, 11, 16)


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def handed_over(enrolment, program, coach, other_coach):
    """`coach` guided the learner until 16 November; `other_coach` took over then."""
    goal = LearningGoalFactory(program=program, title="Scannen")
    own = FeedbackMomentFactory(
        enrolment=enrolment,
        coach=coach,
        occurred_on=datetime.date(2026, 11, 5),
        went_well="Rustig gescand in de ochtend",
        created_at=at(5),
    )
    GoalAssessmentFactory(feedback_moment=own, goal=goal, level=2)
    program_services.pairing_set(enrolments=[enrolment], coach=other_coach, on=HANDOVER)
    later = FeedbackMomentFactory(
        enrolment=enrolment,
        coach=other_coach,
        occurred_on=datetime.date(2026, 11, 18),
        went_well="Nachtdienst zonder hulp",
        created_at=at(18),
    )
    GoalAssessmentFactory(feedback_moment=later, goal=goal, level=3)
    ReflectionFactory(
        enrolment=enrolment,
        answers=[{"question": "Wat ging goed?", "answer": "Reflectie na de wissel"}],
        submitted_at=at(19),
    )
    FeedbackAddendum.objects.create(
        feedback_moment=own,
        author=other_coach,
        text="Aanvulling van de nieuwe coach",
        created_at=at(20),
    )
    return enrolment


def page(client, user, enrolment) -> str:
    client.force_login(user)
    response = client.get(reverse("coaching:progress", args=[enrolment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_former_coach_sees_their_own_feedback_and_nothing_written_after(
    client, coach, handed_over
):
    content = page(client, coach, handed_over)
    assert "Rustig gescand in de ochtend" in content
    assert "Nachtdienst zonder hulp" not in content
    assert "Reflectie na de wissel" not in content
    assert "Aanvulling van de nieuwe coach" not in content
    assert "Je was coach van deze lerende tot en met 15 november 2026" in content


def test_a_former_coach_sees_the_levels_as_they_stood_on_their_last_day(
    coach, other_coach, handed_over
):
    today = datetime.date(2026, 11, 25)
    then = selectors.enrolment_progress(handed_over, viewer=coach, today=today)
    now = selectors.enrolment_progress(handed_over, viewer=other_coach, today=today)
    assert [goal.levels.current for goal in then.goals] == [2]
    assert [goal.levels.current for goal in now.goals] == [3]
    assert then.current_coach is None


@pytest.mark.parametrize("actor", ["other_coach", "learner", "manager"])
def test_the_current_coach_learner_and_manager_see_everything(client, request, handed_over, actor):
    content = page(client, request.getfixturevalue(actor), handed_over)
    for text in [
        "Rustig gescand in de ochtend",
        "Nachtdienst zonder hulp",
        "Reflectie na de wissel",
        "Aanvulling van de nieuwe coach",
    ]:
        assert text in content
