"""The reads of a needs analysis: the goals ordered by gap, before and after the program.

Only averages leave these functions, only for a closed round, and only when at least
MIN_ANSWERS people answered themselves: with fewer, an average would show one person's own
answers to their manager. Ratings a manager entered or imported count in the averages but not
toward that minimum (the manager knows them, and could subtract them). While a round is open
no average shows at all: comparing one before and after someone answers would give theirs away.
"""

from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q

from programs.models import LearningGoal, Program
from programs.needs.models import (
    RATING_MAX,
    NeedsAnalysis,
    NeedsRating,
    NeedsRequest,
    Round,
    Source,
)

MIN_ANSWERS = 3
REQUESTS_PER_PAGE = 25


@dataclass(frozen=True)
class Need:
    """One goal's averages in one round: shown once the round is closed, and only when
    MIN_ANSWERS people answered themselves (`n_self`) besides the ratings their manager knows."""

    n: int = 0
    n_self: int = 0
    importance: float | None = None
    ability: float | None = None
    is_closed: bool = False

    @property
    def is_shown(self) -> bool:
        return self.is_closed and self.n_self >= MIN_ANSWERS

    @property
    def gap(self) -> float | None:
        """Importance × room to grow: 0 (unimportant, or mastered) to 20 (essential and not
        yet done at all). A goal that matters and that people cannot do comes first."""
        if not self.is_shown:
            return None
        return self.importance * (RATING_MAX - self.ability)


@dataclass(frozen=True)
class GoalNeeds:
    """A goal with its averages before and after the program."""

    goal: LearningGoal
    before: Need
    after: Need

    @property
    def ability_change(self) -> float | None:
        if self.before.is_shown and self.after.is_shown:
            return self.after.ability - self.before.ability
        return None


def goal_needs(program: Program, rounds: dict[str, NeedsAnalysis] | None = None) -> list[GoalNeeds]:
    """The program's goals ordered by their gap before the program (the baseline), largest
    first; goals with too few answers, or in an open round, last, in the program's order
    (two queries, given the program's `rounds_of`)."""
    goals = list(program.goals.all())
    if rounds is None:
        rounds = rounds_of(program)
    closed = {name for name, analysis in rounds.items() if analysis.is_closed}
    averages = (
        NeedsRating.objects.filter(request__analysis__program=program)
        .values("goal", "request__analysis__round")
        .annotate(
            n=Count("pk"),
            n_self=Count("pk", filter=Q(source=Source.SELF)),
            importance=Avg("importance"),
            ability=Avg("ability"),
        )
        .order_by()
    )
    needs = {}
    for row in averages:
        is_closed = row["request__analysis__round"] in closed
        # Averages not to be shown do not leave this function.
        shown = is_closed and row["n_self"] >= MIN_ANSWERS
        needs[(row["goal"], row["request__analysis__round"])] = Need(
            n=row["n"],
            n_self=row["n_self"],
            importance=float(row["importance"]) if shown else None,
            ability=float(row["ability"]) if shown else None,
            is_closed=is_closed,
        )
    rows = [
        GoalNeeds(
            goal=goal,
            before=needs.get((goal.pk, Round.BEFORE), Need(is_closed=Round.BEFORE in closed)),
            after=needs.get((goal.pk, Round.AFTER), Need(is_closed=Round.AFTER in closed)),
        )
        for goal in goals
    ]
    # Sorted in Python: the gap hides below MIN_ANSWERS, which SQL would have to restate.
    return sorted(rows, key=lambda row: -row.before.gap if row.before.is_shown else 1)


def rounds_of(program: Program) -> dict[str, NeedsAnalysis]:
    """The program's rounds by name, each with how many were asked and answered (one query)."""
    analyses = program.needs_analyses.annotate(
        asked=Count("requests"),
        answered=Count("requests", filter=Q(requests__answered_at__isnull=False)),
    ).select_related("started_by")
    return {analysis.round: analysis for analysis in analyses}


def requests_of(analysis: NeedsAnalysis):
    """Who was asked in a round, by name, with whether and how they answered (not what).
    While the round is open only those who did not answer themselves: who answered when,
    beside the count, would tell whose answer a later average holds."""
    requests = analysis.requests.select_related("person").order_by("person__name", "pk")
    if analysis.is_closed:
        return requests
    return requests.exclude(source=Source.SELF)


def my_requests(user):
    """The person's own requests, open ones first, newest first."""
    return (
        NeedsRequest.objects.filter(person=user)
        .select_related("analysis__program__organization", "asked_by")
        .order_by(F("answered_at").desc(nulls_first=True), "-asked_at", "-pk")
    )


@dataclass(frozen=True)
class NeedsSummary:
    """What the program page shows of its needs analysis: the rounds and the largest gaps."""

    rounds: list[NeedsAnalysis]
    top: list[GoalNeeds]
    has_after: bool


SUMMARY_GOALS = 3


def needs_summary(program: Program) -> NeedsSummary:
    """The rounds and the SUMMARY_GOALS goals with the largest gap before the program (one
    query without rounds, two with; the goals come with the program)."""
    rounds = rounds_of(program)
    return NeedsSummary(
        rounds=[rounds[name] for name in (Round.BEFORE, Round.AFTER) if name in rounds],
        top=goal_needs(program, rounds)[:SUMMARY_GOALS] if rounds else [],
        has_after=Round.AFTER in rounds,
    )
