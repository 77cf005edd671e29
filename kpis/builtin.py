"""The KPIs that coaching data measures without anyone typing a value: time to independence,
feedback rhythm kept, reflection completion, goals at level 3 by their target week and
sign-off coverage.

`enrolment_facts` reads what they need for any number of enrolments in a fixed number of
queries, using coaching's own definitions (levels, sign-offs, overdue reflections);
`cohort_kpis` and `program_kpis` aggregate the facts per group through `kpis.statistics`, so
every value comes with its n and small groups say "too little data".
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, F, Min, Value
from django.db.models.functions import Coalesce, Least

from coaching.models import FeedbackMoment, Reflection, SignOff
from coaching.progress import GoalLevels, SignOffs, working_days_between
from coaching.selectors import levels_by_enrolment
from kpis import statistics
from programs.models import ChecklistItem, Cohort, Enrolment, LearningGoal, Program

ONE_DAY = datetime.timedelta(days=1)


@dataclass
class EnrolmentFacts:
    """What the built-in KPIs count for one started enrolment, as it stood on `day`: the
    given day, or its last day if it ended before."""

    enrolment: Enrolment
    day: datetime.date
    rhythm_periods: int = 0  # whole periods of the program's feedback rhythm so far
    rhythm_periods_kept: int = 0  # ... with at least one feedback moment
    reflections_done: int = 0
    reflections_overdue: int = 0
    goals_due: int = 0  # goals whose target week is over
    goals_on_time: int = 0  # ... that were at level 3 or higher at the end of that week
    sign_offs: SignOffs = field(default_factory=SignOffs)

    @property
    def days_followed(self) -> int:
        """Days from the start to the end (or to `day` while it runs)."""
        return (self.day - self.enrolment.started_on).days

    @property
    def is_independent(self) -> bool:
        """Ended as independent: the event of time to independence; any other way of being
        here (still running, left, stopped, moved) is censored at `days_followed`."""
        return self.enrolment.ended_on is not None and self.enrolment.ended_independent

    @property
    def feedback_rhythm_kept(self) -> float | None:
        return _share(self.rhythm_periods_kept, self.rhythm_periods)

    @property
    def reflection_completion(self) -> float | None:
        """Handed in, of those handed in or overdue (one not yet due counts for nothing)."""
        return _share(self.reflections_done, self.reflections_done + self.reflections_overdue)

    @property
    def goals_at_level_by_target_week(self) -> float | None:
        return _share(self.goals_on_time, self.goals_due)

    @property
    def sign_off_coverage(self) -> float | None:
        required = self.sign_offs.required
        return _share(required - self.sign_offs.open, required)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _working_day_number(started_on: datetime.date, day: datetime.date) -> int:
    """How many working days of the enrolment there are from its start up to `day`."""
    return working_days_between(started_on - ONE_DAY, day)


def _rhythm(facts: EnrolmentFacts, feedback_days: set, every_days: int) -> None:
    """The enrolment's working days cut into periods of the program's rhythm ("a feedback
    moment at least every N working days"): how many whole periods passed, and in how many
    of them feedback was given. Feedback on a weekend counts for the period it follows."""
    started_on = facts.enrolment.started_on
    facts.rhythm_periods = _working_day_number(started_on, facts.day) // every_days
    days = [on for on in feedback_days if started_on <= on <= facts.day]
    if not days:
        return
    # `_working_day_number` of every day at once: numpy counts Monday to Friday alike, from
    # the start up to and including the day (the nightly roll-up does this a million times).
    numbers = np.busday_count(started_on, np.array(days, dtype="datetime64[D]") + 1)
    kept = set((np.maximum(numbers - 1, 0) // every_days).tolist())
    facts.rhythm_periods_kept = sum(1 for period in kept if period < facts.rhythm_periods)


def _goals_on_time(facts: EnrolmentFacts, goals, levels) -> None:
    """Goals whose target week is over, and which of them stood at level 3 on its last day
    (by the level history as coaches recorded it then)."""
    for goal_id, target_week in goals:
        last_day_of_week = facts.enrolment.started_on + datetime.timedelta(weeks=target_week)
        last_day_of_week -= ONE_DAY
        if last_day_of_week >= facts.day:
            continue
        facts.goals_due += 1
        history = levels[goal_id].history if goal_id in levels else []
        then = GoalLevels([change for change in history if change.on <= last_day_of_week])
        facts.goals_on_time += then.is_independent


def enrolment_facts(
    enrolments: Iterable[Enrolment], *, on: datetime.date, levels=None
) -> dict[int, EnrolmentFacts]:
    """{enrolment pk: EnrolmentFacts} for the enrolments that had started by `on`, in seven
    queries whatever their number (six when the caller passes `levels_by_enrolment` of at
    least these enrolments). The enrolments come with `cohort__program` loaded."""
    started = {e.pk: e for e in enrolments if e.started_on <= on}
    if not started:
        return {}
    ids = list(started)
    program_ids = {e.cohort.program_id for e in started.values()}

    goals = defaultdict(list)
    for goal_id, program_id, target_week in LearningGoal.objects.filter(
        program__in=program_ids
    ).values_list("pk", "program", "target_week"):
        goals[program_id].append((goal_id, target_week))
    required = defaultdict(set)
    for item_id, program_id in ChecklistItem.objects.filter(
        goal__program__in=program_ids, requires_sign_off=True
    ).values_list("pk", "goal__program"):
        required[program_id].add(item_id)
    first_signed = defaultdict(dict)
    for enrolment_id, item_id, signed_on in (
        SignOff.objects.filter(enrolment__in=ids, checklist_item__requires_sign_off=True)
        .values("enrolment", "checklist_item")
        .annotate(first=Min("signed_on"))
        .values_list("enrolment", "checklist_item", "first")
    ):
        first_signed[enrolment_id][item_id] = signed_on
    if levels is None:
        levels = levels_by_enrolment(ids)
    feedback_days = defaultdict(set)
    for enrolment_id, occurred_on in (
        # Without the model's ordering, which DISTINCT would otherwise include (one row per
        # moment instead of per day).
        FeedbackMoment.objects.filter(enrolment__in=ids)
        .order_by()
        .values_list("enrolment", "occurred_on")
        .distinct()
    ):
        feedback_days[enrolment_id].add(occurred_on)
    done = dict(
        Reflection.objects.done()
        .filter(enrolment__in=ids)
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values_list("enrolment", "n")
    )
    # Overdue as it stood on each enrolment's own day: its end, or `on` while it runs.
    own_day = Least(Coalesce(F("enrolment__ended_on"), Value(on)), Value(on))
    overdue = dict(
        Reflection.objects.filter(Reflection.overdue_q(own_day), enrolment__in=ids)
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values_list("enrolment", "n")
    )

    facts = {}
    for pk, enrolment in started.items():
        program = enrolment.cohort.program
        day = min(on, enrolment.ended_on or on)
        signed = first_signed[pk]
        item = EnrolmentFacts(
            enrolment=enrolment,
            day=day,
            reflections_done=done.get(pk, 0),
            reflections_overdue=overdue.get(pk, 0),
            sign_offs=SignOffs(
                required=len(required[program.pk]),
                signed_on=[
                    signed[i] for i in required[program.pk] if i in signed and signed[i] <= day
                ],
            ),
        )
        _rhythm(item, feedback_days[pk], program.feedback_every_days)
        _goals_on_time(item, goals[program.pk], levels.get(pk, {}))
        facts[pk] = item
    return facts


def time_to_independence(facts: Iterable[EnrolmentFacts]):
    """Kaplan–Meier over the enrolments: days to independence, the rest censored."""
    facts = list(facts)
    return statistics.survival(
        event_days=[f.days_followed for f in facts if f.is_independent],
        censored_days=[f.days_followed for f in facts if not f.is_independent],
    )


def _mean(facts: list[EnrolmentFacts], share: str):
    """The mean share over the enrolments it applies to (n counts those only)."""
    values = [getattr(f, share) for f in facts]
    return statistics.mean_of([value for value in values if value is not None])


@dataclass
class GroupKPIs:
    """The built-in KPIs of one set of enrolments (a group, or several together)."""

    time_to_independence: statistics.Survival | statistics.TooLittleData
    feedback_rhythm_kept: statistics.Mean | statistics.TooLittleData
    reflection_completion: statistics.Mean | statistics.TooLittleData
    goals_at_level_by_target_week: statistics.Mean | statistics.TooLittleData
    sign_off_coverage: statistics.Mean | statistics.TooLittleData
    cohort: Cohort | None = None


def group_kpis(facts: Iterable[EnrolmentFacts], *, cohort: Cohort | None = None) -> GroupKPIs:
    """The five built-in KPIs over the given enrolments' facts."""
    facts = list(facts)
    return GroupKPIs(
        time_to_independence=time_to_independence(facts),
        feedback_rhythm_kept=_mean(facts, "feedback_rhythm_kept"),
        reflection_completion=_mean(facts, "reflection_completion"),
        goals_at_level_by_target_week=_mean(facts, "goals_at_level_by_target_week"),
        sign_off_coverage=_mean(facts, "sign_off_coverage"),
        cohort=cohort,
    )


def cohort_kpis(cohort: Cohort, *, on: datetime.date) -> GroupKPIs:
    """The built-in KPIs of one group on day `on` (eight queries)."""
    enrolments = Enrolment.objects.filter(cohort=cohort).select_related("cohort__program")
    return group_kpis(enrolment_facts(enrolments, on=on).values(), cohort=cohort)


@dataclass
class ProgramKPIs:
    """A program's built-in KPIs per group, and time to independence of its pilot group(s)
    against the groups that started later (None without a pilot group)."""

    program: Program
    groups: list[GroupKPIs]
    pilot: statistics.Survival | statistics.TooLittleData | None
    later: statistics.Survival | statistics.TooLittleData | None


def pilot_and_later(cohorts: list[Cohort]) -> tuple[list, list] | None:
    """The program's pilot group(s) and the groups that started on or after the first pilot
    (a group before it was no part of the trial); None without a pilot group."""
    pilots = [c for c in cohorts if c.is_pilot]
    if not pilots:
        return None
    first_pilot_start = min(c.starts_on for c in pilots)
    return pilots, [c for c in cohorts if not c.is_pilot and c.starts_on >= first_pilot_start]


def program_kpis(program: Program, *, on: datetime.date) -> ProgramKPIs:
    """The program's built-in KPIs on day `on`, in nine queries whatever its size. Groups
    come in the order they started."""
    cohorts = list(program.cohorts.order_by("starts_on", "name", "pk"))
    enrolments = Enrolment.objects.filter(cohort__program=program).select_related("cohort__program")
    facts_by_cohort = defaultdict(list)
    for facts in enrolment_facts(enrolments, on=on).values():
        facts_by_cohort[facts.enrolment.cohort_id].append(facts)
    pilot = later = None
    if compared := pilot_and_later(cohorts):
        pilot, later = (
            time_to_independence(f for c in group for f in facts_by_cohort[c.pk])
            for group in compared
        )
    return ProgramKPIs(
        program=program,
        groups=[group_kpis(facts_by_cohort[c.pk], cohort=c) for c in cohorts],
        pilot=pilot,
        later=later,
    )
