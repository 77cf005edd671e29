"""Demo needs analyses. The order pickers' pilot group rated the program's goals while it was
a draft, and the manager closed that baseline before the pilot started: the program page
shows its averages and the largest gaps. The dispatch program is still a draft, and its team
is rating its goals in an open round (one of them through the L&D manager, after a talk);
Daan has not answered yet."""

import datetime
from types import SimpleNamespace

from programs.choices import ProgramStatus
from programs.models import Program
from programs.needs import services
from programs.needs.models import NeedsAnalysis, NeedsRating, NeedsRequest
from werkplek import audit
from werkplek.models import User

# Per person of the pilot group: (importance, ability) of each goal the program had then.
BASELINE = {
    "lotte.visser": [(5, 2), (4, 1), (5, 1), (4, 1)],
    "bram.smit": [(5, 3), (4, 2), (4, 1), (3, 2)],
    "priya.ramdin": [(4, 2), (5, 1), (5, 2), (4, 1)],
    "sem.vanleeuwen": [(5, 3), (3, 2), (4, 2), (4, 2)],
    "fleur.dekker": [(4, 3), (4, 1), (5, 1), (3, 1)],
}

# Per person of the team Expeditie: (importance, ability) of each goal in the program's order.
RATINGS = {
    "anouk.peters": [(4, 4), (5, 2)],
    "milan.hendriks": [(3, 4), (4, 1)],
    "noor.bos": [(4, 3), (5, 2)],
    "fatma.yilmaz": [(3, 5), (4, 2)],  # entered by the manager
}


def _people(demo: SimpleNamespace) -> dict[str, User]:
    return {user.email.split("@")[0]: user for user in [*demo.learners, *demo.coaches]}


def _answer(demo, program: Program, ratings: dict, *, manager_enters: str = "") -> None:
    """Each person's ratings of the program's goals, in the order of the goals."""
    manager, people = demo.managers[0], _people(demo)
    goals = list(program.goals.order_by("position", "pk"))
    for name, answers in ratings.items():
        request = NeedsRequest.objects.get(analysis__program=program, person=people[name])
        if request.answered_at:
            continue
        actor = manager if name == manager_enters else people[name]
        by_goal = {goal.pk: rating for goal, rating in zip(goals, answers, strict=True)}
        services.needs_answer(actor=actor, request=request, answers=by_goal)


def seed_baseline(
    demo: SimpleNamespace,
    program: Program,
    *,
    asked_at: datetime.datetime,
    closed_at: datetime.datetime,
) -> None:
    """The baseline of a draft program, answered and closed, dated in the demo's past
    (`asked_at`, answered a day later, `closed_at`). Call it before the program starts: once
    it runs, a baseline can no longer be started."""
    if program.status != ProgramStatus.DRAFT or program.needs_analyses.exists():
        return
    manager, people = demo.managers[0], _people(demo)
    services.needs_analysis_ask(
        actor=manager, program=program, people=[people[name] for name in BASELINE]
    )
    _answer(demo, program, BASELINE)
    analysis = services.needs_analysis_close(actor=manager, analysis=program.needs_analyses.get())
    answered_at = asked_at + datetime.timedelta(days=1)
    NeedsAnalysis.objects.filter(pk=analysis.pk).update(started_at=asked_at, closed_at=closed_at)
    analysis.requests.update(asked_at=asked_at, answered_at=answered_at)
    NeedsRating.objects.filter(request__analysis=analysis).update(rated_at=answered_at)
    # The demo's made-up past is the one other place that may write history rows.
    history = NeedsAnalysis.history.filter(id=analysis.pk)
    with audit.unlocked():
        history.filter(closed_at__isnull=True).update(history_date=asked_at, started_at=asked_at)
        history.filter(closed_at__isnull=False).update(
            history_date=closed_at, started_at=asked_at, closed_at=closed_at
        )
        NeedsRating.history.filter(request__analysis=analysis).update(
            history_date=answered_at, rated_at=answered_at
        )


def seed(demo: SimpleNamespace, program: Program) -> None:
    """The open round of the draft dispatch program."""
    people = _people(demo)
    asked = [people[name] for name in RATINGS] + [people["learner"]]
    services.needs_analysis_ask(actor=demo.managers[0], program=program, people=asked)
    _answer(demo, program, RATINGS, manager_enters="fatma.yilmaz")
