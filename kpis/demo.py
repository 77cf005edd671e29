"""Demo KPIs of the order picker program, with half a year of values.

Before the program (the baseline, seven months ago) onboarding took 70 days; since the
pilot the numbers move towards the targets. One month's error rate was typed wrong and
corrected, so the history of a correction shows. The organisation's order lines per hour
are measured weekly, so the weeks before the pilot can be set against the weeks after; each
learner's packing errors are measured weekly from their start, for the people not in the
program too, so the impact table compares the pilot, the later group and the rest. Every
value is fixed: the same each run. Today's snapshots are rolled up last, so the dashboard
has them at once.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from kpis import rollups, services
from kpis.choices import Cadence, Direction, SubjectLevel
from kpis.models import KPI, Measurement

MONTHS = 6  # of monthly values, ending last month
WEEKS = 26  # of the weekly organisation values, ending last week
OUTSIDE_WEEKS = 8  # of the learner values of people in none of the programs

# name → definition, and the monthly values of the last MONTHS months, oldest first.
KPIS = {
    "inwerktijd in dagen": (
        {
            "unit": "dagen",
            "direction": Direction.LOWER,
            "decimals": 0,
            "subject_level": SubjectLevel.PROGRAM,
            "baseline_value": Decimal("70"),
            "target_value": Decimal("42"),
            "min_value": Decimal("0"),
            "max_value": Decimal("365"),
        },
        ["70", "68", "61", "55", "48", "45"],
    ),
    "orderfouten per 1.000 orderregels": (
        {
            "unit": "‰",
            "direction": Direction.LOWER,
            "decimals": 1,
            "subject_level": SubjectLevel.TEAM,
            "baseline_value": Decimal("4.2"),
            "target_value": Decimal("2.5"),
            "min_value": Decimal("0"),
            "max_value": Decimal("1000"),
        },
        ["4.2", "4.0", "3.6", "3.1", "2.9", "2.7"],
    ),
}
# Weekly: the organisation's pace (see _organisation_values) and each learner's errors.
ORDER_LINES = (
    "orderregels per uur",
    {
        "unit": "orderregels per uur",
        "direction": Direction.HIGHER,
        "decimals": 1,
        "subject_level": SubjectLevel.ORGANIZATION,
        "cadence": Cadence.WEEK,
        "baseline_value": Decimal("72"),
        "target_value": Decimal("85"),
        "min_value": Decimal("0"),
        "max_value": Decimal("300"),
    },
)
PACKING_ERRORS = (
    "pakfouten per 1.000 orderregels",
    {
        "unit": "‰",
        "direction": Direction.LOWER,
        "decimals": 1,
        "subject_level": SubjectLevel.LEARNER,
        "cadence": Cadence.WEEK,
        "baseline_value": Decimal("4.2"),
        "target_value": Decimal("2.5"),
        "min_value": Decimal("0"),
        "max_value": Decimal("1000"),
    },
)
# Fixed ups and downs, so that no two weeks or people are the same.
WIGGLE = [0.4, -0.3, 0.7, 0.0, -0.5, 0.3, -0.2, 0.6, -0.4, 0.1]
PERSON = [-0.2, 0.1, 0.3, -0.1, 0.0]
# A learner's errors per week since their start: (first week, drop per week). The later
# group started after the pilot's lessons, lower and faster.
ERROR_CURVES = {"pilot": (4.8, 0.25), "later": (3.5, 0.4)}
TEAM = "Orderpicking"
# The error rate first typed for the third month, before it was corrected.
MISTYPED = ("orderfouten per 1.000 orderregels", 2, Decimal("36.0"))


def _month(today: datetime.date, months_ago: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 - months_ago
    return datetime.date(index // 12, index % 12 + 1, 1)


def _kpi(demo, name: str, fields: dict, today: datetime.date) -> KPI:
    kpi = KPI.objects.filter(organization=demo.organization, name=name).first()
    if kpi:
        return kpi
    return services.kpi_create(
        actor=demo.managers[0],
        organization=demo.organization,
        # A value of the whole organisation is no one program's: the organisation dashboard
        # shows it, and so does every program's.
        program=None if fields["subject_level"] == SubjectLevel.ORGANIZATION else demo.program,
        name=name,
        baseline_on=_month(today, MONTHS + 1),
        target_on=_month(today, -4),
        **{"cadence": Cadence.MONTH, **fields},
    )


def _record(demo, kpi: KPI, period: datetime.date, value: float, learner=None) -> None:
    """Record a value once: a later run finds it and leaves it."""
    subject = {"learner": learner} if learner else {}
    if Measurement.objects.filter(kpi=kpi, period_start=period, **subject).exists():
        return
    services.measurement_record(
        actor=demo.managers[0],
        kpi=kpi,
        period=period,
        value=Decimal(f"{max(value, 0.5):.1f}"),
        **subject,
    )


def _organisation_values(demo, kpi: KPI, this_week: datetime.date) -> None:
    """About 72 order lines per hour in the weeks before the pilot, then nearly one more
    each week."""
    pilot_start = demo.pilot_cohort.starts_on
    for index in range(WEEKS):
        week = this_week - datetime.timedelta(weeks=WEEKS - index)
        since = (week - pilot_start).days // 7
        value = 72 + WIGGLE[index % len(WIGGLE)] + (1.5 + 0.9 * since if since >= 0 else 0)
        _record(demo, kpi, week, value)


def _learner_values(demo, kpi: KPI, this_week: datetime.date) -> None:
    """Each learner's errors every full week since their start, falling along their group's
    curve; the people in none of the programs stay around the baseline."""
    enrolled = set()
    for key, cohort in [("pilot", demo.pilot_cohort), ("later", demo.second_cohort)]:
        first, drop = ERROR_CURVES[key]
        enrolments = cohort.enrolments.select_related("learner").order_by("pk")
        for person, enrolment in enumerate(enrolments):
            enrolled.add(enrolment.learner_id)
            weeks = (this_week - enrolment.started_on).days // 7
            for week in range(weeks):
                value = first - drop * week + PERSON[person % len(PERSON)]
                period = enrolment.started_on + datetime.timedelta(weeks=week)
                _record(demo, kpi, period, value, enrolment.learner)
    outside = [learner for learner in demo.learners if learner.pk not in enrolled]
    for person, learner in enumerate(outside):
        for index in range(OUTSIDE_WEEKS):
            week = this_week - datetime.timedelta(weeks=OUTSIDE_WEEKS - index)
            value = 4.2 + PERSON[person % len(PERSON)] + WIGGLE[(index + person) % len(WIGGLE)] / 2
            _record(demo, kpi, week, value, learner)


def seed(demo: SimpleNamespace) -> None:
    today = timezone.localdate()
    demo.kpis = []
    for name, (fields, values) in KPIS.items():
        kpi = _kpi(demo, name, fields, today)
        subject = {
            SubjectLevel.PROGRAM: {"program": demo.program},
            SubjectLevel.TEAM: {"team": TEAM},
        }.get(kpi.subject_level, {})
        for index, value in enumerate(values):
            period = _month(today, MONTHS - index)
            if Measurement.objects.filter(kpi=kpi, period_start=period).exists():
                continue
            record = {"actor": demo.managers[0], "kpi": kpi, "period": period, **subject}
            if (name, index) == MISTYPED[:2]:
                services.measurement_record(**record, value=MISTYPED[2])
            services.measurement_record(
                **record, value=Decimal(value), correction=(name, index) == MISTYPED[:2]
            )
        demo.kpis.append(kpi)
    this_week = today - datetime.timedelta(days=today.weekday())
    for (name, fields), fill in [
        (ORDER_LINES, _organisation_values),
        (PACKING_ERRORS, _learner_values),
    ]:
        kpi = _kpi(demo, name, fields, today)
        fill(demo, kpi, this_week)
        demo.kpis.append(kpi)
    # The dashboard reads snapshots: roll today's up now, not only at night, so the demo's
    # dashboard tells its story from the first visit.
    rollups.rollup_all(on=today)
