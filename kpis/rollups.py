"""Roll-ups: the daily snapshots per enrolment, group, program and KPI that dashboards read.

Every number comes from the one definition it has elsewhere: `coaching.attention
.enrolment_statuses` for where a learner stands, `kpis.builtin` for the built-in KPIs. A
roll-up of some enrolments rewrites their rows for the day and those of their groups and
programs (which count every enrolment of the program); `rollup_all` does every program in
bounded batches and writes the same rows. Rows are upserted on (subject, day), so running
either twice changes nothing. Archived programs keep the snapshots they had.
"""

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber

from coaching.attention import enrolment_statuses
from coaching.models import FeedbackMoment
from coaching.selectors import levels_by_enrolment
from kpis import builtin, statistics
from kpis.choices import SubjectLevel
from kpis.models import (
    KPI,
    SUBJECT_FIELDS,
    CohortSnapshot,
    EnrolmentSnapshot,
    KPISnapshot,
    Measurement,
    ProgramSnapshot,
)
from programs.choices import ProgramStatus
from programs.models import Cohort, Enrolment, LearningGoal, Program

# Enrolments computed and written at once. Each batch reads its assessments, which
# PostgreSQL finds by scanning them all: fewer, larger batches scan them fewer times.
ENROLMENT_BATCH = 2000
PROGRAM_BATCH = 100  # programs rebuilt in one transaction by `rollup_all`, at most
KPI_BATCH = 20  # KPIs rolled up in one transaction
# The newest periods a KPI's trend keeps: enough for two years of monthly values.
TREND_PERIODS = 24

ENROLMENT_FIELDS = [
    "cohort",
    "levels",
    "goals_independent",
    "goals",
    "sign_offs_done",
    "sign_offs_required",
    "feedback_moments",
    "last_feedback_on",
    "reflections_done",
    "reflections_overdue",
    "independent_since",
    "ended_on",
    "end_reason",
    "pace",
    "attention_reasons",
]
GROUP_FIELDS = ["levels", "enrolments", "running", "ended", "independent", "kpis"]


def kpi_json(result) -> dict:
    """A built-in KPI's result as stored: its value(s) with n, or only that there is too
    little data (with the minimum, never a number)."""
    if isinstance(result, statistics.TooLittleData):
        return {"enough": False, "minimum": result.minimum}
    if isinstance(result, statistics.Mean):
        return {"enough": True, "value": result.value, "n": result.n}
    return {
        "enough": True,
        "n": result.n,
        "events": result.events,
        "median": result.median,
        "quartile_low": result.quartile_low,
        "quartile_high": result.quartile_high,
        "curve": [[point.day, point.remaining] for point in result.curve],
    }


def group_kpis_json(kpis: builtin.GroupKPIs) -> dict:
    return {
        name: kpi_json(getattr(kpis, name))
        for name in [
            "time_to_independence",
            "feedback_rhythm_kept",
            "reflection_completion",
            "goals_at_level_by_target_week",
            "sign_off_coverage",
        ]
    }


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _enrolment_row(enrolment, status, facts, levels, feedback_moments, goal_ids, on):
    return EnrolmentSnapshot(
        day=on,
        enrolment=enrolment,
        cohort_id=enrolment.cohort_id,
        levels={str(g): levels[g].current for g in goal_ids if levels[g].current is not None},
        goals_independent=sum(1 for g in goal_ids if levels[g].is_independent),
        goals=len(goal_ids),
        sign_offs_done=len(facts.sign_offs.signed_on),
        sign_offs_required=facts.sign_offs.required,
        feedback_moments=feedback_moments,
        last_feedback_on=status.last_feedback_on,
        reflections_done=facts.reflections_done,
        reflections_overdue=facts.reflections_overdue,
        independent_since=status.independent_since,
        ended_on=enrolment.ended_on,
        end_reason=enrolment.end_reason,
        pace=status.projection.pace,
        attention_reasons=[str(reason) for reason in status.reasons],
    )


class _Tally:
    """What a group or program snapshot counts, gathered enrolment by enrolment."""

    def __init__(self, goal_ids):
        self.levels = {str(g): Counter() for g in goal_ids}
        self.facts = []
        self.running = self.ended = self.independent = 0

    def add(self, facts, levels, on):
        self.facts.append(facts)
        for goal_id, counter in self.levels.items():
            counter[str(levels[int(goal_id)].current or 0)] += 1
        enrolment = facts.enrolment
        if enrolment.ended_on is None or enrolment.ended_on > on:
            self.running += 1
        else:
            self.ended += 1
            self.independent += facts.is_independent

    def fields(self, kpis: dict) -> dict:
        return {
            "levels": {goal: dict(sorted(c.items())) for goal, c in self.levels.items()},
            "enrolments": len(self.facts),
            "running": self.running,
            "ended": self.ended,
            "independent": self.independent,
            "kpis": kpis,
        }


def _program_kpis_json(cohorts, tallies) -> dict:
    """The program's KPIs over all its groups, with the pilot against the later groups
    (`kpis.builtin.pilot_and_later`)."""
    facts = [f for c in cohorts for f in tallies[c.pk].facts]
    kpis = group_kpis_json(builtin.group_kpis(facts))
    if compared := builtin.pilot_and_later(cohorts):
        for name, group in zip(["pilot", "later"], compared, strict=True):
            group_facts = [f for c in group for f in tallies[c.pk].facts]
            kpis[f"time_to_independence_{name}"] = kpi_json(
                builtin.time_to_independence(group_facts)
            )
    return kpis


def _rollup_programs(program_ids: Iterable[int], *, on: datetime.date, only=None) -> int:
    """Recompute the snapshots of day `on` of the given (not archived) programs, inside
    the caller's transaction: the enrolment rows of `only` (a set of enrolment pks; all
    when None) and every group and program row. Returns the number of rows written."""
    # Locked, so that roll-ups of one program take turns: one that read before a later
    # change committed cannot overwrite the group rows of one that read after it.
    programs = list(
        Program.objects.select_for_update()
        .filter(pk__in=list(program_ids))
        .exclude(status=ProgramStatus.ARCHIVED)
        .order_by("pk")
    )
    if not programs:
        return 0
    cohorts = defaultdict(list)
    for cohort in Cohort.objects.filter(program__in=programs).order_by("starts_on", "name", "pk"):
        cohorts[cohort.program_id].append(cohort)
    goal_ids = defaultdict(list)
    for goal_id, program_id in LearningGoal.objects.filter(program__in=programs).values_list(
        "pk", "program"
    ):
        goal_ids[program_id].append(goal_id)
    tallies = {c.pk: _Tally(goal_ids[c.program_id]) for cs in cohorts.values() for c in cs}
    enrolments = list(
        Enrolment.objects.filter(cohort__program__in=programs, started_on__lte=on)
        .select_related("learner", "cohort__program")
        .order_by("pk")
    )
    written = 0
    for batch in _batches(enrolments, ENROLMENT_BATCH):
        ids = [e.pk for e in batch]
        # Read once, for the facts, the statuses and the rows alike.
        levels = levels_by_enrolment(ids)
        facts = builtin.enrolment_facts(batch, on=on, levels=levels)
        for enrolment in batch:
            tallies[enrolment.cohort_id].add(facts[enrolment.pk], levels[enrolment.pk], on)
        to_write = [e for e in batch if only is None or e.pk in only]
        if not to_write:
            continue
        statuses = enrolment_statuses(to_write, on=on, levels=levels)
        moments = dict(
            FeedbackMoment.objects.filter(enrolment__in=[e.pk for e in to_write])
            .values("enrolment")
            .annotate(n=Count("pk"))
            .values_list("enrolment", "n")
        )
        rows = [
            _enrolment_row(
                e,
                statuses[e.pk],
                facts[e.pk],
                levels[e.pk],
                moments.get(e.pk, 0),
                goal_ids[e.cohort.program_id],
                on,
            )
            for e in to_write
        ]
        EnrolmentSnapshot.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["enrolment", "day"],
            update_fields=ENROLMENT_FIELDS,
        )
        written += len(rows)
    # An enrolment whose start moved past `on` has no row for that day.
    stale = EnrolmentSnapshot.objects.filter(day=on, cohort__program__in=programs).exclude(
        enrolment__in=[e.pk for e in enrolments]
    )
    if only is not None:
        stale = stale.filter(enrolment__in=only)
    stale.delete()

    cohort_rows = [
        CohortSnapshot(
            day=on,
            cohort=cohort,
            **tallies[cohort.pk].fields(
                group_kpis_json(builtin.group_kpis(tallies[cohort.pk].facts))
            ),
        )
        for cs in cohorts.values()
        for cohort in cs
    ]
    CohortSnapshot.objects.bulk_create(
        cohort_rows,
        update_conflicts=True,
        unique_fields=["cohort", "day"],
        update_fields=GROUP_FIELDS,
    )
    program_rows = []
    for program in programs:
        total = _Tally(goal_ids[program.pk])
        for cohort in cohorts[program.pk]:
            tally = tallies[cohort.pk]
            total.facts += tally.facts
            total.running += tally.running
            total.ended += tally.ended
            total.independent += tally.independent
            for goal, counter in tally.levels.items():
                total.levels[goal].update(counter)
        kpis = _program_kpis_json(cohorts[program.pk], tallies)
        program_rows.append(ProgramSnapshot(day=on, program=program, **total.fields(kpis)))
    ProgramSnapshot.objects.bulk_create(
        program_rows,
        update_conflicts=True,
        unique_fields=["program", "day"],
        update_fields=GROUP_FIELDS,
    )
    return written + len(cohort_rows) + len(program_rows)


# --- KPIs: trend and impact -------------------------------------------------------------


def effect_json(result) -> dict:
    """An impact estimate as stored: the estimate with its interval, its n (and the
    comparison's) and whether it is more than chance; or only that there is too little data,
    with the minimum and never a number."""
    if isinstance(result, statistics.TooLittleData):
        return {"enough": False, "minimum": result.minimum}
    return {
        "enough": True,
        "estimate": result.estimate,
        # A group of one (a minimum set to 1) has no spread: scipy's NaN is no interval.
        "low": _finite(result.low),
        "high": _finite(result.high),
        "n": result.n,
        "n_comparison": result.n_comparison,
        "significant": result.is_significant,
    }


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def trend_period(kpi: KPI, period: datetime.date, mean: Decimal, n: int) -> dict:
    """One period of a KPI's trend, the one rule for the roll-up and the KPI's page alike:
    the mean rounded to the KPI's decimals, with its n. A learner-level mean over fewer
    people than the minimum could tell who had which value: it has no value, only its n."""
    enough = kpi.subject_level != SubjectLevel.LEARNER or n >= statistics.min_group_size()
    value = round(mean, kpi.decimals) if enough else None
    return {"period": period, "value": value, "n": n, "enough": enough}


def kpi_trend(kpi: KPI, sums_by_period: dict) -> list:
    """The newest `TREND_PERIODS` periods of `trend_period`, oldest first, as stored, from
    each period's sum and number of values."""
    periods = []
    for period in sorted(sums_by_period)[-TREND_PERIODS:]:
        total, n = sums_by_period[period]
        row = trend_period(kpi, period, total / n, n)
        value = row["value"]
        periods.append(
            {**row, "period": period.isoformat(), "value": None if value is None else str(value)}
        )
    return periods


def _group_impact(kpi: KPI, cohorts: list, enrolments: list, newest: dict, outside: list) -> dict:
    """Per group of a program: its learners' newest values measured on or after their start
    against the baseline, and against the earlier groups' learners and the organisation's
    people in none of its programs (`outside`: their newest values, sorted), where they have
    values. `newest` holds each learner's newest (period, value): a learner has a value
    since their start exactly when that one is.

    A comparison pools only groups that are shown on their own (at least the minimum): with
    a smaller group in the pool, the difference of two pools would give away its learners'
    values. For the same reason "not in the program" leaves out the learners of the
    organisation's other programs, whose own groups are shown on their dashboards."""
    values = defaultdict(list)
    for enrolment in enrolments:
        period, value = newest.get(enrolment.learner_id, (None, None))
        if period is not None and period >= enrolment.started_on:
            values[enrolment.cohort_id].append(float(value))
    minimum = statistics.min_group_size()
    own = [sorted(values[cohort.pk]) for cohort in cohorts]
    earlier = []
    for index, cohort in enumerate(cohorts):
        before = [c for c in cohorts[:index] if c.starts_on < cohort.starts_on]
        if before:
            pooled = [values[c.pk] for c in before if len(values[c.pk]) >= minimum]
            earlier.append((index, sorted(v for vs in pooled for v in vs)))
    # The intervals of all the program's groups at once (`kpis.statistics`).
    changes = statistics.changes_from_baseline(own, float(kpi.baseline_value))
    against_earlier = dict(
        zip(
            [index for index, _ in earlier],
            statistics.differences_between([(own[i], pool) for i, pool in earlier]),
            strict=True,
        )
    )
    against_outside = (
        statistics.differences_between([(values, outside) for values in own]) if outside else []
    )
    rows = []
    for index, cohort in enumerate(cohorts):
        comparisons = []
        if index in against_earlier:
            comparisons.append(
                {"against": "earlier", "effect": effect_json(against_earlier[index])}
            )
        if outside:
            comparisons.append(
                {"against": "outside", "effect": effect_json(against_outside[index])}
            )
        rows.append(
            {
                "group": cohort.name,
                "pilot": cohort.is_pilot,
                "change": effect_json(changes[index]),
                "comparisons": comparisons,
            }
        )
    return {"kind": "groups", "rows": rows}


def _period_impact(kpi: KPI, program, cohorts: list, measurements: list) -> dict | None:
    """Before against after, for a KPI with one value per period: the periods from the one
    in which the program's first group started, against the baseline and against the
    periods before (n is the number of periods)."""
    if not cohorts:
        return None
    field = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    if field == "cohort":
        cohort_ids = {c.pk for c in cohorts}
        measurements = [r for r in measurements if r.cohort_id in cohort_ids]
    elif field == "program":
        measurements = [r for r in measurements if r.program_id == program.pk]
    by_period = defaultdict(list)
    for row in measurements:
        by_period[row.period_start].append(row.value)
    boundary = kpi.period_for(min(c.starts_on for c in cohorts))
    before = [float(_mean(by_period[p])) for p in sorted(by_period) if p < boundary]
    after = [float(_mean(by_period[p])) for p in sorted(by_period) if p >= boundary]
    comparisons = []
    if before:
        effect = statistics.difference_between(after, before)
        comparisons.append({"against": "before", "effect": effect_json(effect)})
    change = statistics.change_from_baseline(after, float(kpi.baseline_value))
    row = {"group": None, "pilot": False, "change": effect_json(change)}
    return {"kind": "periods", "rows": [{**row, "comparisons": comparisons}]}


def _kpi_impact(kpi, programs, cohorts, enrolments, measurements, enrolled) -> dict:
    """{program pk: impact} for each program the KPI is about (its own, or every program of
    its organisation); nothing without a baseline to measure change against. For a
    learner-level KPI `measurements` is {learner: newest (period, value)}, else its rows.
    `enrolled`: the learners in any program of the KPI's organisation."""
    if kpi.baseline_value is None:
        return {}
    if kpi.subject_level == SubjectLevel.LEARNER:
        outside = sorted(
            float(value) for learner, (_, value) in measurements.items() if learner not in enrolled
        )
    impact = {}
    for program in programs:
        if kpi.subject_level == SubjectLevel.LEARNER:
            result = _group_impact(
                kpi,
                cohorts[program.pk],
                enrolments[program.pk],
                measurements,
                outside,
            )
        else:
            result = _period_impact(kpi, program, cohorts[program.pk], measurements)
        if result is not None:
            impact[str(program.pk)] = result
    return impact


def _kpi_values(kpis: list, on: datetime.date):
    """What the trend and impact of these KPIs read of their current values up to `on`,
    in three queries, summed and picked in the database (a large organisation has millions
    of values): {kpi: {period: (sum, n)}}, for learner-level KPIs {kpi: {learner: newest
    (period, value)}}, and for the others {kpi: [rows]} (one value per subject a period)."""
    current = Measurement.objects.current().filter(kpi__in=kpis, period_start__lte=on)
    sums = defaultdict(dict)
    for kpi_id, period, total, n in (
        current.values("kpi", "period_start")
        .annotate(total=Sum("value"), n=Count("pk"))
        .values_list("kpi", "period_start", "total", "n")
    ):
        sums[kpi_id][period] = (total, n)
    learner_level = [k for k in kpis if k.subject_level == SubjectLevel.LEARNER]
    newest = defaultdict(dict)
    for kpi_id, learner_id, period, value in (
        current.filter(kpi__in=learner_level)
        .annotate(
            newest_first=Window(
                RowNumber(),
                partition_by=[F("kpi"), F("learner")],
                order_by=[F("period_start").desc(), F("pk").desc()],
            )
        )
        .filter(newest_first=1)
        .values_list("kpi", "learner", "period_start", "value")
        .iterator(chunk_size=10_000)
    ):
        newest[kpi_id][learner_id] = (period, value)
    rows = defaultdict(list)
    for row in (
        current.exclude(kpi__in=learner_level)
        .order_by("period_start", "pk")
        .values_list("kpi_id", "period_start", "value", "cohort_id", "program_id", named=True)
        .iterator(chunk_size=10_000)
    ):
        rows[row.kpi_id].append(row)
    return sums, newest, rows


@transaction.atomic
def rollup_kpis(*, kpi_ids: Iterable[int], on: datetime.date) -> int:
    """Rewrite day `on`'s snapshots of these KPIs from their current measurements: the
    trend and, for a KPI with a baseline, the impact per program, in a number of queries that
    does not grow with them. Returns the number of rows written."""
    # Locked, so that roll-ups of one KPI take turns (see `_rollup_programs`).
    kpis = list(KPI.objects.select_for_update().filter(pk__in=list(kpi_ids)).order_by("pk"))
    if not kpis:
        return 0
    sums, newest, measurements = _kpi_values(kpis, on)
    organisation_wide = {k.organization_id for k in kpis if k.program_id is None}
    programs = list(
        Program.objects.filter(
            Q(pk__in={k.program_id for k in kpis if k.program_id})
            | Q(organization__in=organisation_wide)
        ).order_by("pk")
    )
    cohorts = defaultdict(list)
    for cohort in Cohort.objects.filter(program__in=programs, starts_on__lte=on).order_by(
        "starts_on", "pk"
    ):
        cohorts[cohort.program_id].append(cohort)
    enrolments = defaultdict(list)
    for enrolment in (
        Enrolment.objects.filter(cohort__program__in=programs, started_on__lte=on)
        .order_by("pk")
        .values_list("learner_id", "cohort_id", "started_on", "cohort__program", named=True)
    ):
        enrolments[enrolment.cohort__program].append(enrolment)
    enrolled = defaultdict(set)
    for organization_id, learner_id in (
        Enrolment.objects.filter(
            cohort__program__organization__in={k.organization_id for k in kpis},
            started_on__lte=on,
        )
        .values_list("cohort__program__organization", "learner")
        .distinct()
    ):
        enrolled[organization_id].add(learner_id)
    rows = []
    for kpi in kpis:
        about = (
            [p for p in programs if p.pk == kpi.program_id]
            if kpi.program_id
            else [p for p in programs if p.organization_id == kpi.organization_id]
        )
        own = newest[kpi.pk] if kpi.subject_level == SubjectLevel.LEARNER else measurements[kpi.pk]
        rows.append(
            KPISnapshot(
                day=on,
                kpi=kpi,
                periods=kpi_trend(kpi, sums[kpi.pk]),
                impact=_kpi_impact(
                    kpi, about, cohorts, enrolments, own, enrolled[kpi.organization_id]
                ),
            )
        )
    KPISnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kpi", "day"],
        update_fields=["periods", "impact"],
    )
    return len(rows)


@transaction.atomic
def rollup_enrolments(*, enrolment_ids: Iterable[int], on: datetime.date) -> int:
    """Rewrite day `on`'s snapshots of just these enrolments and of their groups and
    programs, in a number of queries that does not grow with them (per batch of
    `ENROLMENT_BATCH`). Returns the number of rows written."""
    only = set(enrolment_ids)
    program_ids = set(
        Enrolment.objects.filter(pk__in=only).values_list("cohort__program", flat=True)
    )
    return _rollup_programs(program_ids, on=on, only=only)


def rollup_all(*, on: datetime.date) -> int:
    """Rebuild day `on`'s snapshots of every program that is not archived, in transactions
    of up to `PROGRAM_BATCH` programs that together hold up to `ENROLMENT_BATCH` started
    enrolments (or one larger program), and of every KPI, `KPI_BATCH` per transaction: the
    same rows as incremental roll-ups of everything. Returns the number of rows written."""
    programs = (
        Program.objects.exclude(status=ProgramStatus.ARCHIVED)
        .annotate(
            started=Count("cohorts__enrolments", filter=Q(cohorts__enrolments__started_on__lte=on))
        )
        .order_by("pk")
        .values_list("pk", "started")
    )
    written = 0
    for batch in _program_batches(list(programs)):
        with transaction.atomic():
            written += _rollup_programs(batch, on=on)
    kpi_ids = list(KPI.objects.order_by("pk").values_list("pk", flat=True))
    for batch in _batches(kpi_ids, KPI_BATCH):
        written += rollup_kpis(kpi_ids=batch, on=on)
    return written


def _program_batches(programs: list[tuple[int, int]]):
    """The program pks of (pk, started enrolments) cut into batches of at most
    `PROGRAM_BATCH` programs and, where more than one, `ENROLMENT_BATCH` enrolments: each
    batch reads its assessments in one scan, and small programs share one."""
    batch, enrolments = [], 0
    for pk, started in programs:
        if batch and (len(batch) == PROGRAM_BATCH or enrolments + started > ENROLMENT_BATCH):
            yield batch
            batch, enrolments = [], 0
        batch.append(pk)
        enrolments += started
    if batch:
        yield batch
