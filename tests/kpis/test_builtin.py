"""The built-in KPIs read straight from coaching data: small scenarios counted by hand, the
same number of queries for one learner as for thirty, and properties of random histories."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from coaching.models import SignOff
from coaching.progress import GoalLevels, LevelChange
from kpis import builtin
from kpis.statistics import TooLittleData
from programs.choices import EndReason
from programs.models import Cohort, Enrolment, Program
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    PairingFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)  # a Monday: the group's start


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


@pytest.fixture
def any_group_size(settings):
    """Exact scenarios with one or two learners: the minimum group size is tested apart."""
    settings.KPI_MIN_GROUP_SIZE = 1


def learner_in(cohort, *, ended_after=None, reason=EndReason.INDEPENDENT):
    enrolment = EnrolmentFactory(cohort=cohort)
    PairingFactory(enrolment=enrolment)
    if ended_after is not None:
        Enrolment.objects.filter(pk=enrolment.pk).update(
            ended_on=day(ended_after), end_reason=reason
        )
        enrolment.refresh_from_db()
    return enrolment


def feedback(enrolment, on, **levels):
    moment = FeedbackMomentFactory(enrolment=enrolment, occurred_on=on)
    for goal, level in levels.values():
        GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=level)
    return moment


def facts_of(enrolment, on):
    enrolment = Enrolment.objects.select_related("cohort__program").get(pk=enrolment.pk)
    return builtin.enrolment_facts([enrolment], on=on)[enrolment.pk]


# --- Time to independence ---------------------------------------------------------------


def test_time_to_independence_counts_leavers_and_runners_as_censored(cohort):
    for ended_after, reason in [
        (10, EndReason.INDEPENDENT),
        (20, EndReason.INDEPENDENT),
        (5, EndReason.STOPPED),
        (None, None),
        (None, None),
    ]:
        learner_in(cohort, ended_after=ended_after, reason=reason)
    result = builtin.cohort_kpis(cohort, on=day(30)).time_to_independence
    # Events at 10 and 20 days; censored at 5 (stopped) and 30 (twice, still running):
    # after day 10, 3 of 4 at risk remain; after day 20, 2 of 3 of those: 1/2.
    assert (result.n, result.events) == (5, 2)
    assert (result.quartile_low, result.median, result.quartile_high) == (10, 20, None)
    assert [(p.day, p.remaining) for p in result.curve] == [
        (0, 1.0),
        (5, 1.0),
        (10, 0.75),
        (20, 0.5),
        (30, 0.5),
    ]


def test_a_learner_who_has_not_started_yet_is_not_counted(cohort, any_group_size):
    learner_in(cohort)
    later = EnrolmentFactory(cohort=cohort, started_on=day(40))
    assert later.pk not in builtin.enrolment_facts(
        Enrolment.objects.select_related("cohort__program"), on=day(30)
    )


def test_pilot_group_against_the_groups_that_started_after_it(program):
    earlier = CohortFactory(program=program, name="Proef vooraf", starts_on=day(-200))
    pilot = CohortFactory(program=program, name="Pilotgroep", is_pilot=True, starts_on=START)
    later = CohortFactory(program=program, name="Groep 2", starts_on=day(60))
    for n in range(5):
        learner_in(earlier, ended_after=-180)
        learner_in(pilot, ended_after=20 + n)
    for n in range(6):
        EnrolmentFactory(cohort=later, started_on=day(60))
        Enrolment.objects.filter(cohort=later, ended_on__isnull=True).update(
            ended_on=day(70 + n), end_reason=EndReason.INDEPENDENT
        )
    result = builtin.program_kpis(program, on=day(120))
    assert (result.pilot.n, result.pilot.median) == (5, 22)
    # The group before the pilot is no "later" group.
    assert (result.later.n, result.later.median) == (6, 12)
    assert [group.cohort.name for group in result.groups] == [
        "Proef vooraf",
        "Pilotgroep",
        "Groep 2",
    ]


def test_without_a_pilot_group_there_is_no_pilot_comparison(cohort):
    Cohort.objects.filter(pk=cohort.pk).update(is_pilot=False)
    result = builtin.program_kpis(cohort.program, on=day(30))
    assert (result.pilot, result.later) == (None, None)


# --- Feedback rhythm ------------------------------------------------------------------


def test_feedback_rhythm_counts_whole_periods_of_the_programs_working_days(cohort, any_group_size):
    Program.objects.filter(pk=cohort.program_id).update(feedback_every_days=5)
    enrolment = learner_in(cohort)
    feedback(enrolment, day(1))  # Tuesday of week 1
    feedback(enrolment, day(2))  # twice in one period counts once
    feedback(enrolment, day(12))  # a Saturday: counts for the week it follows (week 2)
    feedback(enrolment, day(21))  # Monday of week 4, which is not over yet
    facts = facts_of(enrolment, day(21))
    assert (facts.rhythm_periods, facts.rhythm_periods_kept) == (3, 2)
    assert facts.feedback_rhythm_kept == pytest.approx(2 / 3)


def test_a_slower_rhythm_makes_longer_periods(cohort, any_group_size):
    Program.objects.filter(pk=cohort.program_id).update(feedback_every_days=10)
    enrolment = learner_in(cohort)
    feedback(enrolment, day(8))  # second week: inside the first ten working days
    facts = facts_of(enrolment, day(21))
    assert (facts.rhythm_periods, facts.rhythm_periods_kept) == (1, 1)


def test_a_learner_without_a_whole_period_has_no_rhythm_value(cohort, any_group_size):
    enrolment = learner_in(cohort)
    feedback(enrolment, day(0))
    assert facts_of(enrolment, day(3)).feedback_rhythm_kept is None


# --- Reflections ----------------------------------------------------------------------


def test_reflection_completion_is_handed_in_of_handed_in_or_overdue(cohort, any_group_size):
    enrolment = learner_in(cohort)
    evening = timezone.make_aware(datetime.datetime.combine(day(3), datetime.time(18)))
    ReflectionFactory(enrolment=enrolment, due_on=day(2), submitted_at=evening)
    ReflectionFactory(enrolment=enrolment, due_on=day(30), submitted_at=evening)  # early
    ReflectionFactory(enrolment=enrolment, due_on=day(5))  # overdue on day 10
    ReflectionFactory(enrolment=enrolment, due_on=day(12))  # not due yet
    facts = facts_of(enrolment, day(10))
    assert (facts.reflections_done, facts.reflections_overdue) == (2, 1)
    assert facts.reflection_completion == pytest.approx(2 / 3)


def test_an_ended_enrolment_owes_no_reflections_due_after_its_end(cohort, any_group_size):
    enrolment = learner_in(cohort, ended_after=6, reason=EndReason.LEFT_ORGANISATION)
    ReflectionFactory(enrolment=enrolment, due_on=day(4))
    ReflectionFactory(enrolment=enrolment, due_on=day(8))
    facts = facts_of(enrolment, day(30))
    assert facts.reflections_overdue == 1
    assert facts.reflection_completion == 0.0


# --- Goals at level 3 by their target week -----------------------------------------------


def test_goals_count_when_their_target_week_is_over_and_level_3_was_reached_in_it(
    cohort, any_group_size
):
    on_time = LearningGoalFactory(program=cohort.program, target_week=1)
    late = LearningGoalFactory(program=cohort.program, target_week=2)
    fell_back = LearningGoalFactory(program=cohort.program, target_week=2)
    LearningGoalFactory(program=cohort.program, target_week=6)  # its week is still to come
    enrolment = learner_in(cohort)
    feedback(enrolment, day(6), a=(on_time, 3), b=(fell_back, 3))  # Sunday, end of week 1
    feedback(enrolment, day(13), b=(fell_back, 2))  # end of week 2: back to "with help"
    feedback(enrolment, day(14), a=(late, 3))  # first day of week 3
    facts = facts_of(enrolment, day(21))
    assert (facts.goals_due, facts.goals_on_time) == (3, 1)
    assert facts.goals_at_level_by_target_week == pytest.approx(1 / 3)


# --- Sign-offs ------------------------------------------------------------------------


def test_sign_off_coverage_is_required_tasks_signed_of_required(cohort, any_group_size):
    goal = LearningGoalFactory(program=cohort.program)
    first, second, _third = ChecklistItemFactory.create_batch(3, goal=goal)
    optional = ChecklistItemFactory(goal=goal, requires_sign_off=False)
    enrolment = learner_in(cohort)
    coach = enrolment.pairings.get().coach
    for item, on in [(first, day(3)), (first, day(5)), (optional, day(3)), (second, day(25))]:
        SignOff.objects.create(
            enrolment=enrolment,
            checklist_item=item,
            signed_by=coach,
            signed_on=on,
            feedback_moment=feedback(enrolment, on),
        )
    assert facts_of(enrolment, day(10)).sign_off_coverage == pytest.approx(1 / 3)
    assert facts_of(enrolment, day(30)).sign_off_coverage == pytest.approx(2 / 3)


def test_a_program_without_tasks_to_sign_has_no_coverage_value(cohort, any_group_size):
    assert facts_of(learner_in(cohort), day(10)).sign_off_coverage is None


# --- Groups ---------------------------------------------------------------------------


def test_a_group_below_the_minimum_shows_no_value_at_all(cohort, settings):
    settings.KPI_MIN_GROUP_SIZE = 5
    for _ in range(4):
        feedback(learner_in(cohort), day(1))
    result = builtin.cohort_kpis(cohort, on=day(30))
    assert result.time_to_independence == TooLittleData(minimum=5)
    assert result.feedback_rhythm_kept == TooLittleData(minimum=5)
    assert result.reflection_completion == TooLittleData(minimum=5)
    assert result.goals_at_level_by_target_week == TooLittleData(minimum=5)
    assert result.sign_off_coverage == TooLittleData(minimum=5)


def test_a_group_value_is_the_mean_over_the_learners_it_applies_to(cohort, any_group_size):
    with_feedback = learner_in(cohort)
    learner_in(cohort)  # no feedback at all
    learner_in(cohort, ended_after=2, reason=EndReason.STOPPED)  # no whole week: not counted
    feedback(with_feedback, day(1))
    feedback(with_feedback, day(8))
    result = builtin.cohort_kpis(cohort, on=day(21)).feedback_rhythm_kept
    # 2 of 3 weeks and 0 of 3 weeks.
    assert (result.value, result.n) == (pytest.approx(1 / 3), 2)


# --- Queries --------------------------------------------------------------------------


def program_with(size: int, program):
    goal = LearningGoalFactory(program=program, target_week=1)
    item = ChecklistItemFactory(goal=goal)
    cohort = CohortFactory(program=program, is_pilot=True)
    CohortFactory(program=program, starts_on=day(7))
    for n in range(size):
        enrolment = learner_in(cohort, ended_after=20 if n % 2 else None)
        moment = feedback(enrolment, day(n % 5), a=(goal, 3))
        SignOff.objects.create(
            enrolment=enrolment,
            checklist_item=item,
            signed_by=moment.coach,
            signed_on=moment.occurred_on,
            feedback_moment=moment,
        )
        ReflectionFactory(enrolment=enrolment, due_on=day(3))


@pytest.mark.parametrize("size", [1, 30])
def test_program_and_group_kpis_take_as_many_queries_for_one_learner_as_thirty(size, program):
    program_with(size, program)
    with CaptureQueriesContext(connection) as queries:
        result = builtin.program_kpis(program, on=day(30))
    assert len(queries) == 9
    assert result.groups[0].sign_off_coverage.enough == (size >= 5)
    with CaptureQueriesContext(connection) as queries:
        builtin.cohort_kpis(result.groups[0].cohort, on=day(30))
    assert len(queries) == 8


# --- Properties -----------------------------------------------------------------------

dates = st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def unsaved_facts(started_on, on):
    enrolment = Enrolment(started_on=started_on)
    return builtin.EnrolmentFacts(enrolment=enrolment, day=max(on, started_on))


@given(
    started_on=dates,
    on=dates,
    feedback_days=st.sets(dates, max_size=60),
    every_days=st.integers(1, 60),
)
def test_rhythm_kept_is_a_share_of_whole_periods(started_on, on, feedback_days, every_days):
    facts = unsaved_facts(started_on, on)
    builtin._rhythm(facts, feedback_days, every_days)
    assert 0 <= facts.rhythm_periods_kept <= facts.rhythm_periods
    share = facts.feedback_rhythm_kept
    assert share is None or 0 <= share <= 1


@given(
    started_on=dates,
    on=dates,
    target_weeks=st.lists(st.integers(1, 104), min_size=1, max_size=8),
    changes=st.lists(st.tuples(dates, st.integers(1, 4)), max_size=20),
)
def test_goals_on_time_are_a_share_of_goals_due(started_on, on, target_weeks, changes):
    facts = unsaved_facts(started_on, on)
    goals = list(enumerate(target_weeks))
    history = [LevelChange(when, level) for when, level in sorted(changes)]
    levels = {goal_id: GoalLevels(history) for goal_id, _week in goals}
    builtin._goals_on_time(facts, goals, levels)
    assert 0 <= facts.goals_on_time <= facts.goals_due <= len(goals)
    share = facts.goals_at_level_by_target_week
    assert share is None or 0 <= share <= 1
