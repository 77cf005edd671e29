import datetime

import pytest

from coaching.choices import Pace
from coaching.progress import GoalLevels, LevelChange, project_independence, working_days_between

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


def project(goals, today_n=14, weeks=6):
    return project_independence(
        goals=goals,
        started_on=MONDAY,
        target_on=MONDAY + datetime.timedelta(weeks=weeks),
        today=day(today_n),
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
