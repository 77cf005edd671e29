"""The attention list reads each goal's level summarised in the database: it must say the
same as the full history the progress page walks."""

import datetime

import pytest

from coaching.selectors import current_levels_by_enrolment, levels_by_enrolment
from tests.factories import (
    EnrolmentFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    PairingFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)


@pytest.mark.parametrize(
    "levels",
    [
        [1],
        [1, 2],
        [3],
        [1, 3, 4],
        [1, 3, 2],
        [3, 2, 3, 4, 4],
        [4, 1, 2, 3],
    ],
)
def test_summary_says_the_same_current_level_and_independence_as_the_history(levels):
    enrolment = EnrolmentFactory(cohort__starts_on=START)
    PairingFactory(enrolment=enrolment)
    goal = LearningGoalFactory(program=enrolment.cohort.program)
    untouched = LearningGoalFactory(program=enrolment.cohort.program)
    for week, level in enumerate(levels):
        moment = FeedbackMomentFactory(
            enrolment=enrolment, occurred_on=START + datetime.timedelta(weeks=week)
        )
        GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=level)

    full = levels_by_enrolment([enrolment.pk])[enrolment.pk][goal.pk]
    summary = current_levels_by_enrolment([enrolment.pk])[enrolment.pk]

    assert summary[goal.pk].current == full.current == levels[-1]
    assert summary[goal.pk].independent_since == full.independent_since
    assert summary[goal.pk].steps_made == full.steps_made
    assert not summary[untouched.pk].history
