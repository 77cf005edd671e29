"""Demo needs analysis: the dispatch program is still a draft, and its team has rated its
goals (one of them through the L&D manager, after a talk); Daan has not answered yet."""

from types import SimpleNamespace

from programs.models import Program
from programs.needs import services
from programs.needs.models import NeedsRequest

# Per person of the team Expeditie: (importance, ability) of each goal in the program's order.
RATINGS = {
    "anouk.peters": [(4, 4), (5, 2)],
    "milan.hendriks": [(3, 4), (4, 1)],
    "noor.bos": [(4, 3), (5, 2)],
    "fatma.yilmaz": [(3, 5), (4, 2)],  # entered by the manager
}


def seed(demo: SimpleNamespace, program: Program) -> None:
    manager = demo.managers[0]
    people = {user.email.split("@")[0]: user for user in [*demo.learners, *demo.coaches]}
    asked = [people[name] for name in RATINGS] + [people["learner"]]
    services.needs_analysis_ask(actor=manager, program=program, people=asked)
    goals = list(program.goals.order_by("position", "pk"))
    for name, ratings in RATINGS.items():
        request = NeedsRequest.objects.get(analysis__program=program, person=people[name])
        if request.answered_at:
            continue
        actor = manager if name == "fatma.yilmaz" else people[name]
        answers = {goal.pk: rating for goal, rating in zip(goals, ratings, strict=True)}
        services.needs_answer(actor=actor, request=request, answers=answers)
