"""The reads of a needs analysis: the goals ordered by gap, before and after the program.

Only averages leave these functions, and only over at least MIN_ANSWERS people: with fewer,
an average would show one person's own answers to their manager.
"""

from dataclasses import dataclass

from django.db.models import Avg, Count, F, Q

from programs.models import LearningGoal, Program
from programs.needs.models import RATING_MAX, NeedsAnalysis, NeedsRating, NeedsRequest, Round

MIN_ANSWERS = 3
REQUESTS_PER_PAGE = 25


@dataclass(frozen=True)
class Need:
    """One goal's averages in one round, shown only from MIN_ANSWERS people on."""

    n: int = 0
    importance: float | None = None
    ability: float | None = None

    @property
    def is_shown(self) -> bool:
        return self.n >= MIN_ANSWERS

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


def goal_needs(program: Program) -> list[GoalNeeds]:
    """The program's goals ordered by their gap before the program (the baseline), largest
    first; goals with too few answers last, in the program's order (two queries)."""
    goals = list(program.goals.all())
    averages = (
        NeedsRating.objects.filter(request__analysis__program=program)
        .values("goal", "request__analysis__round")
        .annotate(n=Count("pk"), importance=Avg("importance"), ability=Avg("ability"))
        .order_by()
    )
    needs = {
        (row["goal"], row["request__analysis__round"]): Need(
            n=row["n"], importance=float(row["importance"]), ability=float(row["ability"])
        )
        for row in averages
    }
    rows = [
        GoalNeeds(
            goal=goal,
            before=needs.get((goal.pk, Round.BEFORE), Need()),
            after=needs.get((goal.pk, Round.AFTER), Need()),
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
    """Who was asked in a round, by name, with whether and how they answered (not what)."""
    return analysis.requests.select_related("person").order_by("person__name", "pk")


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
        top=goal_needs(program)[:SUMMARY_GOALS] if rounds else [],
        has_after=Round.AFTER in rounds,
    )
