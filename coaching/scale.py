"""Generated coaching history (see werkplek.scale): feedback moments with levels and
sign-offs, reflections with reactions, a few addenda and peer feedback.

The size's feedback moments are shared out over the enrolments by the working days they
ran, on working days from their start to their last shift. Levels rise with the
enrolment's pace by the demo's rule (`coaching.demo._level`); tasks are signed off once
their goal is at level 3; for an enrolment that ends independent the last moment assesses
every goal at level 3 or higher and signs off every task left, on the day programs' part
ended it. Each moment leaves a reflection due two days later, most of them handed in the
evening after.
"""

import datetime
from types import SimpleNamespace

from coaching.choices import Shift
from coaching.demo import NEXT_STEPS, REFLECTION_ANSWERS, TO_IMPROVE, WENT_WELL, _level
from coaching.models import (
    FeedbackAddendum,
    FeedbackMoment,
    GoalAssessment,
    PeerFeedback,
    Reflection,
    ReflectionReaction,
    SignOff,
)
from coaching.services import REFLECTION_DUE_AFTER
from programs.choices import Level
from werkplek.scale import Scale, allocate

# (shift, share, hour the feedback is recorded)
SHIFTS = [(Shift.MORNING, 0.6, 13), (Shift.AFTERNOON, 0.3, 17), (Shift.NIGHT, 0.1, 7)]
GOALS_PER_MOMENT = 3
SIGN_OFFS_PER_MOMENT = 2
NOT_HANDED_IN_SHARE = 0.05
REACTION_SHARE = 0.25
ADDENDUM_SHARE = 0.01
PEER_FEEDBACK_SHARE = 0.1
REACTION = "Mooi dat je dit zo ziet. Dat pakken we de volgende dienst samen op."
ADDENDUM = "Aanvulling: de teamleider zag het ook en was er tevreden over."
PEER_QUESTION = "Hoe vind jij dat ik dit doe?"
PEER_ANSWER = "Je werkt rustig en netjes. Let op je tempo aan het begin van de dienst."


def _days(scale: Scale, plan, count: int) -> list:
    """`count` shift days spread evenly over the enrolment's working days, the last one
    included; more than one a day where there are more moments than days."""
    days = scale.working_days_between(plan.started_on, plan.last_day)
    if count <= len(days):
        if count == 1:
            return [days[-1]]
        return [days[round(n * (len(days) - 1) / (count - 1))] for n in range(count)]
    return [days[n * len(days) // count] for n in range(count)]


def _coach_on(plan, day):
    for coach, since, until in plan.pairings:
        if since <= day and (until is None or day < until):
            return coach
    return plan.pairings[0][0]


def _history(scale: Scale, rng, plan, count: int, tables) -> None:
    moments, assessments, sign_offs, reflections, reactions, addenda = tables
    days = _days(scale, plan, count)
    goals = plan.program.goals
    signed, recorded = set(), {}
    for number, day in enumerate(days):
        final = number == len(days) - 1
        coach = _coach_on(plan, day)
        day_number = (day - plan.started_on).days + 1
        week = day_number // 7 + 1
        levels = {g.id: _level(g, day_number, plan.pace) for g in goals}
        if final and plan.completes:
            # Programs' part ended it independent today: every goal at 3, every task signed.
            practised = [g for g in goals if recorded.get(g.id, 0) < Level.INDEPENDENT]
            levels = {g: max(level, Level.INDEPENDENT) for g, level in levels.items()}
        else:
            practised = [g for g in goals if g.target_week <= week + 1 and levels[g.id] < 4]
            practised = practised[:GOALS_PER_MOMENT] or goals[:1]
        shift, hour = _shift(rng)
        recorded_at = scale.at(day, hour, rng.randrange(60))
        moment = moments.new_id()
        moments.add(
            moment,
            plan.id,
            coach,
            day,
            shift,
            rng.choice(WENT_WELL),
            rng.choice(TO_IMPROVE),
            rng.choice(NEXT_STEPS),
            recorded_at,
            recorded_at,
        )
        for goal in practised:
            assessments.add(moment, goal.id, levels[goal.id])
            recorded[goal.id] = levels[goal.id]
        done = [
            (item, goal)
            for goal in practised
            if levels[goal.id] >= Level.INDEPENDENT
            for item, _requires in goal.items
            if item not in signed
        ]
        if not (final and plan.completes):
            done = done[:SIGN_OFFS_PER_MOMENT]
        else:
            done += [
                (item, goal)
                for goal in goals
                if goal not in practised
                for item, requires in goal.items
                if requires and item not in signed
            ]
        for item, goal in done:
            sign_offs.add(plan.id, item, coach, day, levels[goal.id], moment, recorded_at)
            signed.add(item)
        _reflection(scale, rng, plan, moment, day, recorded_at, coach, tables, final=final)
        if rng.random() < ADDENDUM_SHARE:
            added = min(recorded_at + datetime.timedelta(days=2), scale.now)
            addenda.add(moment, coach, ADDENDUM, added)


def _shift(rng):
    draw = rng.random()
    for shift, share, hour in SHIFTS:
        if draw < share:
            return shift, hour
        draw -= share
    return SHIFTS[-1][0], SHIFTS[-1][2]


def _reflection(scale, rng, plan, moment, day, recorded_at, coach, tables, *, final):
    """The reflection a moment leaves: handed in the evening after, unless that evening
    has not come, the enrolment ended first, or the learner skipped it."""
    reflections, reactions = tables[3], tables[4]
    handed_in = day + datetime.timedelta(days=1)
    open_ = (
        handed_in >= scale.today
        or (plan.ended_on is not None and handed_in > plan.ended_on)
        or (final and plan.ended_on is None)
        or rng.random() < NOT_HANDED_IN_SHARE
    )
    submitted_at = None
    if not open_:
        submitted_at = scale.at(handed_in, 19 + rng.randrange(3), rng.randrange(60))
    answers = []
    if submitted_at:
        answers = [
            {"question": question, "answer": rng.choice(REFLECTION_ANSWERS) if n != 1 else ""}
            for n, question in enumerate(plan.program.prompts)
        ]
    reflection = reflections.new_id()
    reflections.add(
        reflection,
        plan.id,
        moment,
        day + REFLECTION_DUE_AFTER,
        answers,
        submitted_at,
        recorded_at,
    )
    if submitted_at and rng.random() < REACTION_SHARE:
        reacted = min(submitted_at + datetime.timedelta(hours=14), scale.now)
        reactions.add(reflection, coach, REACTION, reacted)


def _peer_feedback(scale: Scale, rng, plans, table) -> None:
    """Some running learners asked a fellow learner of their group; most got an answer."""
    by_cohort = {}
    for plan in plans:
        by_cohort.setdefault(plan.cohort.id, []).append(plan)
    for plan in plans:
        peers = [p for p in by_cohort[plan.cohort.id] if p is not plan]
        if plan.ended_on or not plan.last_day or not peers or rng.random() >= PEER_FEEDBACK_SHARE:
            continue
        asked = scale.at(plan.last_day, 12)
        given = asked + datetime.timedelta(hours=5) if rng.random() < 0.7 else None
        table.add(
            plan.id,
            plan.program.goals[0].id,
            rng.choice(peers).learner.id,
            PEER_QUESTION,
            PEER_ANSWER if given else "",
            asked,
            given,
        )


def seed(scale: Scale) -> None:
    """The size's feedback moments, shared over the enrolments that have a coach and a
    shift by the working days each ran (every enrolment that ends independent gets one at
    least), with what they leave behind."""
    rng = scale.rng("coaching")
    coached = [plan for plan in scale.enrolments if plan.pairings and plan.last_day]
    weights = [len(scale.working_days_between(p.started_on, p.last_day)) for p in coached]
    counts = allocate(scale.size.moments, weights)
    # One moment at least where independence is recorded, taken from the largest share.
    short = sum(
        1 for plan, count in zip(coached, counts, strict=True) if plan.completes and not count
    )
    counts = [count or int(plan.completes) for plan, count in zip(coached, counts, strict=True)]
    counts[counts.index(max(counts))] -= short
    with (
        scale.table(
            FeedbackMoment,
            "id enrolment_id coach_id occurred_on shift went_well to_improve next_step "
            "created_at updated_at",
        ) as moments,
        scale.table(GoalAssessment, "feedback_moment_id goal_id level") as assessments,
        scale.table(
            SignOff,
            "enrolment_id checklist_item_id signed_by_id signed_on level feedback_moment_id "
            "created_at",
        ) as sign_offs,
        scale.table(
            Reflection, "id enrolment_id feedback_moment_id due_on answers submitted_at created_at"
        ) as reflections,
        scale.table(ReflectionReaction, "reflection_id author_id text created_at") as reactions,
        scale.table(FeedbackAddendum, "feedback_moment_id author_id text created_at") as addenda,
        scale.table(
            PeerFeedback,
            "enrolment_id goal_id requested_from_id question text requested_at given_at",
        ) as peer_feedback,
    ):
        tables = (moments, assessments, sign_offs, reflections, reactions, addenda)
        for plan, count in zip(coached, counts, strict=True):
            if count:
                _history(scale, rng, plan, count, tables)
        _peer_feedback(scale, rng, scale.enrolments, peer_feedback)
    scale.coaching = SimpleNamespace(moments=moments.count)
