"""Generated programs, groups, enrolments and pairings (see werkplek.scale).

Each organisation's learners are spread over its programs and their groups, which start
every few weeks over the last 18 months. Every enrolment gets a pace and a fate here: it
ends independent on the day its last goal reaches level 3 at that pace (coaching's part
records the feedback that makes it so), the learner leaves or stops on the way, or it is
still running. Pairings start with the enrolment; some are handed over to another coach,
and a few running enrolments have no coach yet.
"""

import datetime
import math
from collections import defaultdict
from types import SimpleNamespace

from programs.choices import BuiltinMethod, EndReason, ProgramStatus
from programs.demo import DISPATCH_GOALS, ORDER_PICKER_GOALS
from programs.models import (
    ChecklistItem,
    Cohort,
    Enrolment,
    LearningGoal,
    Method,
    Pairing,
    Program,
    ReflectionPrompt,
)
from werkplek.models import Membership
from werkplek.scale import HISTORY_WEEKS, Scale, split

PROGRAM_NAMES = [
    "Inwerken orderpicker",
    "Inwerken expeditiemedewerker",
    "Inwerken heftruckchauffeur",
    "Inwerken reachtruckchauffeur",
    "Inwerken inslagmedewerker",
    "Inwerken retourenverwerker",
    "Inwerken voorraadcontroleur",
    "Doorgroeien naar teamleider",
    "Inwerken planner",
    "Inwerken kwaliteitsmedewerker",
]
# The demo program's goals (title, description, criteria, week, checklist), on two routes.
GOAL_SETS = [ORDER_PICKER_GOALS, DISPATCH_GOALS + ORDER_PICKER_GOALS[:2]]
PROMPTS = ["Wat ging goed?", "Wat doe je de volgende keer anders?", "Waar heb je hulp bij nodig?"]
DURATIONS = [4, 6, 8, 10, 12]
DEMO_DURATION = 8
DEMO_PACE = 1.3
LEARNERS_PER_GROUP = 12
# Cumulative shares of enrolments whose learner leaves, stops or moves on the way (8%, 2%,
# 2%); the others reach independence (if they got there by today).
ENDINGS = [
    (0.08, EndReason.LEFT_ORGANISATION),
    (0.10, EndReason.STOPPED),
    (0.12, EndReason.MOVED_PROGRAM),
]
JOINED_LATER_SHARE = 0.2
HANDOVER_SHARE = 0.12
WITHOUT_COACH_SHARE = 0.02
OVERDUE_SHARE = 0.12
# Reached independence in the last two weeks and not marked yet: "ready" on the lists.
READY_SHARE = 0.3
# The demo coach's running learners, the demo learner among them.
DEMO_COACH_LEARNERS = 6


def _on_or_after_working_day(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _target_week(week: int, last_week: int, duration: int) -> int:
    return max(1, min(duration, round(week * duration / last_week)))


def _program(scale: Scale, rng, organization, index: int, per_program: int, tables):
    """One program with goals, tasks, questions, methods and its groups."""
    programs, goals, items, prompts, methods, cohorts = tables
    name = PROGRAM_NAMES[index % len(PROGRAM_NAMES)]
    if index >= len(PROGRAM_NAMES):
        name = f"{name} {index // len(PROGRAM_NAMES) + 1}"
    # Every tenth program is new: a pilot group that started ten weeks ago.
    is_pilot = index % 10 == 9
    first_weeks_ago = 10 if is_pilot else HISTORY_WEEKS
    duration = DEMO_DURATION if index == 0 else rng.choice(DURATIONS)
    program = SimpleNamespace(
        id=programs.new_id(),
        name=name,
        organization=organization,
        duration=duration,
        every=rng.choice([2, 3, 5]),
        manager=organization.managers[index % len(organization.managers)].id,
        goals=[],
        cohorts=[],
        prompts=PROMPTS,
    )
    programs.add(
        program.id,
        organization.id,
        name,
        "Nieuwe collega's leren het vak op de vloer, naast een ervaren collega.",
        f"Nieuwe collega's werken binnen {duration} weken zelfstandig.",
        program.manager,
        ProgramStatus.PILOT if is_pilot else ProgramStatus.ACTIVE,
        duration,
        program.every,
        scale.at(scale.monday(first_weeks_ago + 4), 10),
    )
    for method in [BuiltinMethod.ON_THE_JOB_COACHING, BuiltinMethod.MICRO_LEARNING]:
        methods.add(program.id, scale.methods[method])
    goal_set = GOAL_SETS[index % len(GOAL_SETS)]
    last_week = max(goal[3] for goal in goal_set)
    for position, (title, description, criteria, week, checklist) in enumerate(goal_set):
        goal = SimpleNamespace(
            id=goals.new_id(), target_week=_target_week(week, last_week, duration), items=[]
        )
        goals.add(goal.id, program.id, position, title, description, criteria, goal.target_week)
        for item_position, (item_title, requires, *reobserve) in enumerate(checklist):
            item_id = items.new_id()
            reobserve_after_days = reobserve[0] if reobserve else None
            items.add(item_id, goal.id, item_position, item_title, requires, reobserve_after_days)
            goal.items.append((item_id, requires))
        program.goals.append(goal)
    for position, text in enumerate(PROMPTS):
        prompts.add(program.id, position, text)
    # Groups every few weeks, from the first one (the pilot) until a few weeks ago.
    count = 1 if is_pilot else max(2, math.ceil(per_program / LEARNERS_PER_GROUP))
    step = max(1, (first_weeks_ago - 2) // max(1, count - 1))
    for number in range(count):
        cohort = SimpleNamespace(
            id=cohorts.new_id(), starts_on=scale.monday(first_weeks_ago - number * step)
        )
        name = "Pilotgroep" if number == 0 else f"Groep {number + 1}"
        cohorts.add(cohort.id, program.id, name, number == 0, cohort.starts_on)
        program.cohorts.append(cohort)
    return program


def _plan(scale: Scale, rng, program, cohort, learner, *, demo=False) -> SimpleNamespace:
    """An enrolment's dates and fate; its coaches are chosen afterwards."""
    started_on = cohort.starts_on
    if demo:
        started_on = scale.monday(3)
    elif rng.random() < JOINED_LATER_SHARE and started_on <= scale.monday(4):
        started_on += datetime.timedelta(weeks=rng.randint(1, 3))
    pace = DEMO_PACE if demo else min(1.8, max(0.55, rng.lognormvariate(0, 0.25)))
    # The day the slowest goal reaches level 3 at this pace (see coaching.scale._level).
    reach = max(math.ceil(goal.target_week * 7 / pace) for goal in program.goals)
    independent_on = _on_or_after_working_day(started_on + datetime.timedelta(days=reach - 1))
    plan = SimpleNamespace(
        id=None,
        program=program,
        cohort=cohort,
        learner=learner,
        started_on=started_on,
        pace=pace,
        ended_on=None,
        end_reason="",
        completes=False,
        pairings=[],
    )
    draw, reason = rng.random(), None
    for share, ending in ENDINGS:
        if draw < share:
            reason = ending
            break
    yesterday = scale.last_working_day_before(scale.today)
    if reason:
        span = (independent_on - started_on).days
        ends = started_on + datetime.timedelta(days=int(span * rng.uniform(0.15, 0.85)))
        ends = scale.last_working_day_before(ends + datetime.timedelta(days=1))
        if max(ends, started_on) <= yesterday:
            plan.ended_on, plan.end_reason = max(ends, started_on), reason
            plan.last_day = plan.ended_on
            return plan
    elif independent_on <= yesterday:
        plan.completes, plan.last_day = True, independent_on
        recent = independent_on > scale.today - datetime.timedelta(weeks=2)
        if not (recent and rng.random() < READY_SHARE):
            plan.ended_on, plan.end_reason = independent_on, EndReason.INDEPENDENT
        return plan
    quiet = rng.randint(3, 10) if not demo and rng.random() < OVERDUE_SHARE else 0
    plan.last_day = scale.working_days[scale.working_days.index(yesterday) - quiet]
    if plan.last_day < started_on:
        plan.last_day = None
    return plan


def _pair(scale: Scale, rng, plans: list, organization, is_demo_organization: bool) -> None:
    """Coaches for the enrolments: round the organisation's coaches, the demo coach with a
    handful of running learners; some handed over halfway, a few running ones without."""
    coaches = [c.id for c in organization.coaches]
    demo_coach = scale.demo.coach if is_demo_organization else None
    others = [c for c in coaches if c != demo_coach] or coaches
    demo_learners = 0
    for number, plan in enumerate(plans):
        running = plan.ended_on is None
        if is_demo_organization and plan.learner.id == scale.demo.learner:
            coach = demo_coach
        elif running and demo_coach and demo_learners < DEMO_COACH_LEARNERS - 1:
            coach, demo_learners = demo_coach, demo_learners + 1
        elif running and rng.random() < WITHOUT_COACH_SHARE:
            plan.last_day, plan.completes = None, False
            continue
        else:
            coach = (others if running else coaches)[number % len(others if running else coaches)]
        plan.pairings = [(coach, plan.started_on, None)]
        if coach == demo_coach or plan.last_day is None or rng.random() >= HANDOVER_SHARE:
            continue
        days = scale.working_days_between(plan.started_on, plan.last_day)[1:]
        if days:
            handover, successor = rng.choice(days), rng.choice(others)
            if successor != coach:
                plan.pairings = [(coach, plan.started_on, handover), (successor, handover, None)]


def seed(scale: Scale) -> None:
    """Programs, groups, enrolments and pairings for every generated organisation."""
    rng = scale.rng("programs")
    scale.methods = dict(Method.objects.filter(organization=None).values_list("builtin", "pk"))
    scale.programs, scale.enrolments = [], []
    with (
        scale.table(
            Program,
            "id organization_id name description business_objective owner_id status "
            "duration_weeks feedback_every_days created_at",
        ) as programs,
        scale.table(
            LearningGoal, "id program_id position title description success_criteria target_week"
        ) as goals,
        scale.table(
            ChecklistItem, "id goal_id position title requires_sign_off reobserve_after_days"
        ) as items,
        scale.table(ReflectionPrompt, "program_id position text") as prompts,
        scale.table(Program.methods.through, "program_id method_id") as methods,
        scale.table(Cohort, "id program_id name is_pilot starts_on") as cohorts,
        scale.table(
            Enrolment,
            "id cohort_id program_id learner_id started_on target_on ended_on end_reason "
            "ended_by_id created_at",
        ) as enrolments,
        scale.table(Pairing, "enrolment_id coach_id started_on ended_on created_at") as pairings,
    ):
        tables = (programs, goals, items, prompts, methods, cohorts)
        counts = split(scale.size.programs, scale.size.organizations)
        for number, (organization, count) in enumerate(
            zip(scale.organizations, counts, strict=True)
        ):
            per_program = max(1, len(organization.learners) // count)
            own = [_program(scale, rng, organization, n, per_program, tables) for n in range(count)]
            plans = []
            for position, learner in enumerate(organization.learners):
                program = own[position % count]
                cohort = program.cohorts[(position // count) % len(program.cohorts)]
                demo = number == 0 and position == 0
                if demo:
                    earlier = [c for c in program.cohorts if c.starts_on <= scale.monday(3)]
                    cohort = earlier[-1]
                plans.append(_plan(scale, rng, program, cohort, learner, demo=demo))
            _pair(scale, rng, plans, organization, number == 0)
            for plan in plans:
                plan.id = enrolments.new_id()
                target_on = plan.started_on + datetime.timedelta(weeks=plan.program.duration)
                ended_by = None
                if plan.end_reason == EndReason.INDEPENDENT:
                    ended_by = plan.pairings[-1][0]
                elif plan.end_reason:
                    ended_by = plan.program.manager
                enrolments.add(
                    plan.id,
                    plan.cohort.id,
                    plan.program.id,
                    plan.learner.id,
                    plan.started_on,
                    target_on,
                    plan.ended_on,
                    plan.end_reason,
                    ended_by,
                    scale.at(plan.started_on - datetime.timedelta(days=7), 10),
                )
                for coach, since, until in plan.pairings:
                    pairings.add(plan.id, coach, since, until, scale.at(since, 8))
            scale.programs += own
            scale.enrolments += plans
    _memberships_end(scale)


def _memberships_end(scale: Scale) -> None:
    """Who left the organisation left it on their enrolment's last day."""
    left = defaultdict(list)
    for plan in scale.enrolments:
        if plan.end_reason == EndReason.LEFT_ORGANISATION:
            left[plan.ended_on].append(plan.learner.id)
    for day, learners in left.items():
        Membership.objects.filter(user__in=learners, is_learner=True).update(ended_on=day)
