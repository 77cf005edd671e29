"""Generated KPIs with baselines, targets and values over time (see werkplek.scale), and
today's snapshots rolled up from everything generated, so dashboards show its numbers.

Per organisation: its order lines per hour every week, each team's order errors and each
program's onboarding time every month, and per program learner-level KPIs measured every
week for each learner since their start. Those take what is left of the size's
measurements: as many learner-level KPIs per program as needed for it to fit. Values move
from the baseline towards the target, a learner's at their own pace; one organisation
value a year was typed wrong and corrected, so the history of a correction shows.
"""

import datetime
import math
import time
from decimal import Decimal

from kpis import rollups
from kpis.choices import Cadence, Direction, SubjectLevel
from kpis.models import KPI, Measurement
from werkplek.scale import HISTORY_WEEKS, Scale, allocate

MONTHS = HISTORY_WEEKS * 7 // 30
# (name, unit, direction, baseline, target, value in the first week, change per week at
# pace 1, the value it settles at): one learner-level KPI of each per program, repeated
# with a number where a size needs more.
LEARNER_KPIS = [
    ("pakfouten per 1.000 orderregels", "‰", Direction.LOWER, 6.0, 3.0, 7.0, -0.35, 3.0),
    ("orderregels per uur", "orderregels per uur", Direction.HIGHER, 60, 85, 45, 3.0, 90),
    ("kwaliteitsscore", "%", Direction.HIGHER, 80, 95, 75, 1.5, 97),
]
MISTYPED_WEEK = 10


def _month(today: datetime.date, months_ago: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 - months_ago
    return datetime.date(index // 12, index % 12 + 1, 1)


class _Writer:
    """The KPI and measurement tables of one run, with what every row shares."""

    def __init__(self, scale: Scale, kpis, measurements):
        self.scale, self.kpis, self.measurements = scale, kpis, measurements
        self.baseline_on = _month(scale.today, MONTHS + 1)
        self.target_on = _month(scale.today, -6)

    def kpi(
        self, organization, name, unit, direction, level, cadence, baseline, target, program=None
    ) -> int:
        kpi = self.kpis.new_id()
        self.kpis.add(
            kpi,
            organization.id,
            program.id if program else None,
            name,
            unit,
            direction,
            1,
            level,
            cadence,
            Decimal(baseline),
            self.baseline_on,
            Decimal(target),
            self.target_on,
            Decimal(0),
            Decimal(1000),
            organization.managers[0].id,
        )
        return kpi

    def value(
        self,
        kpi,
        level,
        period,
        value,
        by,
        *,
        subject=(None, "", None, None),
        is_current=True,
        corrects=None,
    ) -> int:
        measurement = self.measurements.new_id()
        learner, team, cohort, program = subject
        recorded = min(self.scale.at(period + datetime.timedelta(days=7), 9), self.scale.now)
        self.measurements.add(
            measurement,
            kpi,
            level,
            learner,
            team,
            cohort,
            program,
            period,
            Decimal(f"{max(value, 0):.1f}"),
            is_current,
            corrects,
            by,
            recorded,
        )
        return measurement


def _organisation_kpis(scale: Scale, rng, writer: _Writer, organization, programs) -> None:
    """The values every organisation has, whatever its size: 18 months of them."""
    manager = organization.managers[0].id
    this_week = scale.monday(0)
    level = SubjectLevel.ORGANIZATION
    kpi = writer.kpi(
        organization,
        "orderregels per uur",
        "orderregels per uur",
        Direction.HIGHER,
        level,
        Cadence.WEEK,
        72,
        85,
    )
    for week in range(HISTORY_WEEKS, 0, -1):
        period = this_week - datetime.timedelta(weeks=week)
        value = 72 + (HISTORY_WEEKS - week) * 0.15 + rng.uniform(-1.5, 1.5)
        if week == MISTYPED_WEEK:
            wrong = writer.value(kpi, level, period, value * 10, manager, is_current=False)
            writer.value(kpi, level, period, value, manager, corrects=wrong)
        else:
            writer.value(kpi, level, period, value, manager)
    level = SubjectLevel.TEAM
    kpi = writer.kpi(
        organization,
        "orderfouten per 1.000 orderregels",
        "‰",
        Direction.LOWER,
        level,
        Cadence.MONTH,
        4.2,
        2.5,
    )
    for team in organization.teams:
        for month in range(MONTHS, 0, -1):
            value = 4.2 - (MONTHS - month) * 0.08 + rng.uniform(-0.3, 0.3)
            period = _month(scale.today, month)
            writer.value(kpi, level, period, value, manager, subject=(None, team, None, None))
    level = SubjectLevel.PROGRAM
    for program in programs:
        kpi = writer.kpi(
            organization,
            f"inwerktijd in dagen – {program.name}",
            "dagen",
            Direction.LOWER,
            level,
            Cadence.MONTH,
            70,
            42,
            program=program,
        )
        for month in range(MONTHS, 0, -1):
            value = 70 - (MONTHS - month) * 1.2 + rng.uniform(-3, 3)
            period = _month(scale.today, month)
            subject = (None, "", None, program.id)
            writer.value(kpi, level, period, value, manager, subject=subject)


def _weeks_measured(scale: Scale, plan) -> int:
    """Full weeks from the learner's start until this week (values go on after it ends)."""
    start = plan.started_on - datetime.timedelta(days=plan.started_on.weekday())
    return max(0, (scale.monday(0) - start).days // 7)


def _learner_kpis(scale: Scale, rng, writer: _Writer, budget: int) -> None:
    plans = scale.enrolments
    weeks = [_weeks_measured(scale, plan) for plan in plans]
    per_program = max(1, math.ceil(budget / max(1, sum(weeks))))
    kpis = {}
    for program in scale.programs:
        organization = program.organization
        for number in range(per_program):
            name, unit, direction, baseline, target, *_curve = LEARNER_KPIS[
                number % len(LEARNER_KPIS)
            ]
            if number >= len(LEARNER_KPIS):
                name = f"{name} ({number // len(LEARNER_KPIS) + 1})"
            kpis[program.id, number] = writer.kpi(
                organization,
                f"{name} – {program.name}",
                unit,
                direction,
                SubjectLevel.LEARNER,
                Cadence.WEEK,
                baseline,
                target,
                program=program,
            )
    level = SubjectLevel.LEARNER
    for plan, count, measured in zip(plans, allocate(budget, weeks), weeks, strict=True):
        start = plan.started_on - datetime.timedelta(days=plan.started_on.weekday())
        manager = plan.program.manager
        subject = (plan.learner.id, "", None, None)
        for n in range(count):
            number, week = divmod(n, measured)
            *_definition, first, step, settles = LEARNER_KPIS[number % len(LEARNER_KPIS)]
            moved = first + step * plan.pace * week
            value = min(moved, settles) if step > 0 else max(moved, settles)
            value += rng.uniform(-0.05, 0.05) * abs(first)
            period = start + datetime.timedelta(weeks=week)
            kpi = kpis[plan.program.id, number]
            writer.value(kpi, level, period, value, manager, subject=subject)


def seed(scale: Scale) -> None:
    """KPIs and the size's measurements, then today's roll-up of everything."""
    rng = scale.rng("kpis")
    with (
        scale.table(
            KPI,
            "id organization_id program_id name unit direction decimals subject_level cadence "
            "baseline_value baseline_on target_value target_on min_value max_value "
            "created_by_id",
        ) as kpis,
        scale.table(
            Measurement,
            "id kpi_id subject_level learner_id team cohort_id program_id period_start value "
            "is_current corrects_id recorded_by_id recorded_at",
        ) as measurements,
    ):
        writer = _Writer(scale, kpis, measurements)
        for organization in scale.organizations:
            own = [p for p in scale.programs if p.organization is organization]
            _organisation_kpis(scale, rng, writer, organization, own)
        _learner_kpis(scale, rng, writer, max(0, scale.size.measurements - measurements.added))
    started = time.perf_counter()
    rollups.rollup_all(on=scale.today)
    scale.timings["kpis: of which the roll-up of today's snapshots"] = time.perf_counter() - started
