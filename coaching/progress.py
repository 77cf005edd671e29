"""Pure calculations on progress: working days, levels over time, projected independence.

They take plain values so that pages, tasks and (later) KPI roll-ups compute them the same way.
"""

import datetime
import math
from dataclasses import dataclass, field

from coaching.choices import Pace
from programs.choices import Level

AHEAD_MARGIN = datetime.timedelta(days=7)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Weekdays after `start` up to and including `end` (0 when end is not later)."""
    if end <= start:
        return 0
    days = (end - start).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(1, rest + 1):
        if (start + datetime.timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


@dataclass
class LevelChange:
    on: datetime.date
    level: int
    coach_name: str = ""

    @property
    def label(self) -> str:
        return Level(self.level).label


@dataclass
class GoalLevels:
    """The dated levels of one goal for one learner, oldest first."""

    history: list[LevelChange] = field(default_factory=list)

    @property
    def current(self) -> int | None:
        return self.history[-1].level if self.history else None

    @property
    def is_independent(self) -> bool:
        return (self.current or 0) >= Level.INDEPENDENT

    @property
    def independent_since(self) -> datetime.date | None:
        """The date the goal last rose to level 3 or higher, if it is there now."""
        since = None
        for change in self.history:
            if change.level >= Level.INDEPENDENT:
                since = since or change.on
            else:
                since = None
        return since

    @property
    def steps_made(self) -> int:
        """Level steps towards independence, counting from beginner (1) up to 3."""
        return min(self.current or Level.BEGINNER, Level.INDEPENDENT) - Level.BEGINNER


@dataclass
class SignOffs:
    """The required sign-offs of one learner: how many the program asks, and the day each
    one done so far was first signed."""

    required: int = 0
    signed_on: list[datetime.date] = field(default_factory=list)

    @property
    def open(self) -> int:
        return self.required - len(self.signed_on)


def independence_reached(
    *, goals: list[GoalLevels], sign_offs: SignOffs | None = None
) -> datetime.date | None:
    """The one definition of independence: every goal at level 3 or higher and every
    required task signed off. The day the last of these was met, or None while one is open."""
    sign_offs = sign_offs or SignOffs()
    if not goals or not all(goal.is_independent for goal in goals) or sign_offs.open > 0:
        return None
    return max([goal.independent_since for goal in goals] + sign_offs.signed_on)


@dataclass
class Projection:
    pace: Pace
    date: datetime.date | None = None


def project_independence(
    *,
    goals: list[GoalLevels],
    started_on: datetime.date,
    target_on: datetime.date,
    today: datetime.date,
    sign_offs: SignOffs | None = None,
) -> Projection:
    """When all goals reach level 3 and every required task is signed off, at the pace so
    far (level steps and sign-offs each count as one step), compared with the target date."""
    sign_offs = sign_offs or SignOffs()
    if not goals or not (any(goal.history for goal in goals) or sign_offs.signed_on):
        return Projection(Pace.NO_DATA)
    reached = independence_reached(goals=goals, sign_offs=sign_offs)
    if reached:
        return Projection(Pace.INDEPENDENT, reached)
    steps_needed = len(goals) * (Level.INDEPENDENT - Level.BEGINNER) + sign_offs.required
    steps_made = sum(goal.steps_made for goal in goals) + len(sign_offs.signed_on)
    if steps_made == 0:
        return Projection(Pace.BEHIND if today >= target_on else Pace.NO_DATA)
    elapsed = max((today - started_on).days, 1)
    days_left = math.ceil((steps_needed - steps_made) * elapsed / steps_made)
    projected = today + datetime.timedelta(days=days_left)
    if projected + AHEAD_MARGIN <= target_on:
        return Projection(Pace.AHEAD, projected)
    if projected <= target_on:
        return Projection(Pace.ON_TRACK, projected)
    return Projection(Pace.BEHIND, projected)
