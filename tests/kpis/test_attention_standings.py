"""The manager's attention list reads each learner's levels, pace and overdue reflections
from the roll-up's snapshot of the day where it is up to date, and from the feedback itself
where it is not: a feedback just logged shows at once, before its roll-up ran."""

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching import attention
from coaching.choices import AttentionReason, Pace
from kpis import rollups
from kpis.models import EnrolmentSnapshot
from tests.coaching.test_attention import day, feedback, make_ready, reflect
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    PairingFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(program):
    return LearningGoalFactory(program=program, title="Veilig heftruck rijden", target_week=2)


@pytest.fixture
def task(goal):
    return ChecklistItemFactory(goal=goal, title="Pallet wegzetten")


def listed(manager, on):
    return {row.enrolment: row.reasons for row in attention.attention_list(manager, on=on)}


def test_the_list_is_the_same_from_the_days_roll_up_as_from_the_feedback(
    cohort, coach, goal, task, manager
):
    ready, overdue, fine, alone = (EnrolmentFactory(cohort=cohort) for _ in range(4))
    for each in (ready, overdue, fine):
        PairingFactory(enrolment=each, coach=coach)
    make_ready(ready, coach, goal, task, level_on=day(1), signed_on=day(2))
    feedback(overdue, coach, day(2))
    feedback(fine, coach, day(14))
    reflect(fine, day(14))
    from_feedback = attention.attention_list(manager, on=day(15))
    rollups.rollup_all(on=day(15))
    from_roll_up = attention.attention_list(manager, on=day(15))
    assert [row.enrolment for row in from_roll_up] == [alone, overdue, ready]
    assert [(row.enrolment, row.reasons) for row in from_roll_up] == [
        (row.enrolment, row.reasons) for row in from_feedback
    ]


def test_the_list_takes_the_pace_the_days_roll_up_computed(enrolment, coach, goal, manager):
    feedback(enrolment, coach, day(14), levels={goal: 2})
    reflect(enrolment, day(14))
    rollups.rollup_all(on=day(15))
    assert enrolment not in listed(manager, day(15))
    # What the roll-up wrote is what the list shows (here: as if it had found the learner
    # behind), as long as the feedback, sign-offs and goals it counted are unchanged.
    EnrolmentSnapshot.objects.filter(enrolment=enrolment, day=day(15)).update(pace=Pace.BEHIND)
    assert listed(manager, day(15))[enrolment] == [AttentionReason.BEHIND]


def test_a_feedback_logged_after_the_roll_up_shows_before_its_own_roll_up_ran(
    enrolment, coach, goal, task, manager
):
    today = timezone.localdate()
    feedback(enrolment, coach, day(1))
    reflect(enrolment, day(1))
    rollups.rollup_all(on=today)
    assert AttentionReason.FEEDBACK_OVERDUE in listed(manager, today)[enrolment]
    # No worker rolls it up here: the list sees the snapshot no longer counts every feedback.
    feedback(enrolment, coach, today, levels={goal: 3}, sign_offs=[task])
    assert listed(manager, today)[enrolment] == [AttentionReason.READY]


def test_a_goal_added_after_the_roll_up_counts_at_once(enrolment, coach, goal, task, manager):
    today = timezone.localdate()
    feedback(enrolment, coach, today, levels={goal: 3}, sign_offs=[task])
    rollups.rollup_all(on=today)
    assert listed(manager, today)[enrolment] == [AttentionReason.READY]
    LearningGoalFactory(program=enrolment.cohort.program, title="Orders verzamelen")
    assert AttentionReason.READY not in listed(manager, today).get(enrolment, [])


@pytest.mark.parametrize("size", [2, 40])
def test_from_the_roll_up_the_page_neither_reads_levels_nor_grows_with_learners(
    client, manager, organization, coach, django_assert_num_queries, size
):
    today = timezone.localdate()
    for number in range(size):
        program = ProgramFactory(organization=organization, owner=manager)
        goal = LearningGoalFactory(program=program)
        ChecklistItemFactory(goal=goal)
        enrolment = EnrolmentFactory(cohort=CohortFactory(program=program))
        if number % 2:
            PairingFactory(enrolment=enrolment, coach=coach)
            feedback(enrolment, coach, day(1), levels={goal: 2})
    rollups.rollup_all(on=today)
    client.force_login(manager)
    # session, user, roles (also the is-manager check), running enrolments; their status:
    # current pairings, coaches' loads, learning hours, feedback, goals, tasks, sign-offs,
    # today's standings (all up to date: no levels or reflections read); the bell
    with django_assert_num_queries(13):
        response = client.get(reverse("coaching:attention"))
    assert response.status_code == 200
    assert response.content.decode().count("Feedback te laat") == min(size, 25)
