import datetime

import pytest

from coaching.choices import Pace
from coaching.progress import (
    GoalLevels,
    LevelChange,
    Projection,
    SignOffs,
    independence_reached,
    project_independence,
    working_days_between,
)

MONDAY = datetime.date(2026, 11, 2)


def day(n):
    return MONDAY + datetime.timedelta(days=n)


def goal(*levels):
    """A goal's history: (day number, level) pairs."""
    return GoalLevels([LevelChange(day(n), level) for n, level in levels])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (MONDAY, MONDAY, 0),
        (MONDAY, day(1), 1),
        (MONDAY, day(4), 4),  # Friday
        (day(4), day(7), 1),  # Friday → Monday skips the weekend
        (MONDAY, day(14), 10),
        (day(5), day(6), 0),  # Saturday → Sunday
        (day(3), MONDAY, 0),
    ],
)
def test_working_days_skip_weekends(start, end, expected):
    assert working_days_between(start, end) == expected


def test_independent_since_is_when_the_level_last_rose_to_three():
    levels = goal((1, 2), (5, 3), (8, 2), (12, 3), (15, 4))
    assert levels.current == 4
    assert levels.independent_since == day(12)


def test_a_goal_that_fell_back_is_not_independent():
    levels = goal((1, 3), (5, 2))
    assert not levels.is_independent
    assert levels.independent_since is None


def project(goals, today_n=14, weeks=6, sign_offs=None):
    return project_independence(
        goals=goals,
        started_on=MONDAY,
        target_on=MONDAY + datetime.timedelta(weeks=weeks),
        today=day(today_n),
        sign_offs=sign_offs,
    )


def test_no_assessments_means_no_projection_yet():
    assert project([GoalLevels(), GoalLevels()]).pace == Pace.NO_DATA


def test_a_program_without_goals_has_no_projection():
    assert project([]).pace == Pace.NO_DATA


def test_fast_learner_is_ahead():
    # 3 of 4 steps in two weeks: one more step takes about 5 days; target is 4 weeks away.
    projection = project([goal((10, 3)), goal((12, 2))])
    assert projection.pace == Pace.AHEAD
    assert projection.date == day(14 + 5)


def test_learner_on_plan_is_on_track():
    # 2 of 6 steps in 14 days: 4 more take 28 days, landing on the target date.
    projection = project([goal((14, 2)), goal((14, 2)), goal((3, 1))])
    assert projection.pace == Pace.ON_TRACK
    assert projection.date == day(42)


def test_slow_learner_is_behind():
    # 1 of 6 steps in 14 days: 5 more take 70 days, far past the target.
    projection = project([goal((14, 2)), goal((3, 1)), goal((3, 1))])
    assert projection.pace == Pace.BEHIND
    assert projection.date == day(84)


def test_no_progress_is_no_data_until_the_target_date_passes():
    assert project([goal((3, 1))], today_n=14).pace == Pace.NO_DATA
    assert project([goal((3, 1))], today_n=43).pace == Pace.BEHIND


def test_all_goals_at_three_is_independent_on_the_day_the_last_one_got_there():
    projection = project([goal((5, 3)), goal((9, 2), (12, 4))])
    assert projection.pace == Pace.INDEPENDENT
    assert projection.date == day(12)


def test_goals_at_three_with_a_task_still_open_are_not_independent():
    open_task = SignOffs(required=2, signed_on=[day(4)])
    projection = project([goal((5, 3)), goal((9, 3))], sign_offs=open_task)
    assert independence_reached(goals=[goal((5, 3)), goal((9, 3))], sign_offs=open_task) is None
    assert projection.pace != Pace.INDEPENDENT
    # 4 of 4 level steps and 1 of 2 sign-offs: 5 of 6 steps in 14 days, the last takes 3 more.
    assert projection.date == day(14 + 3)


def test_independence_is_dated_by_the_last_sign_off_when_it_came_after_the_levels():
    done = SignOffs(required=2, signed_on=[day(4), day(13)])
    goals = [goal((5, 3)), goal((9, 3))]
    assert independence_reached(goals=goals, sign_offs=done) == day(13)
    assert project(goals, sign_offs=done) == Projection(Pace.INDEPENDENT, day(13))


def test_sign_offs_count_as_steps_towards_the_projected_date():
    # 2 of 4 level steps alone would land on day 28; with 2 of 2 sign-offs also done it is
    # 4 of 6 steps, and the last 2 take 7 more days.
    levels = [goal((14, 2)), goal((14, 2))]
    assert project(levels).date == day(28)
    assert project(levels, sign_offs=SignOffs(required=2, signed_on=[day(3), day(7)])).date == (
        day(14 + 7)
    )
