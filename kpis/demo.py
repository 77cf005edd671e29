"""Demo KPIs of the order picker program, with half a year of monthly values.

Before the program (the baseline, seven months ago) onboarding took 70 days; since the
pilot the numbers move towards the targets. One month's error rate was typed wrong and
corrected, so the history of a correction shows. Every value is fixed: the same each run.
Today's snapshots are rolled up last, so the dashboard has them at once.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from kpis import rollups, services
from kpis.choices import Cadence, Direction, SubjectLevel
from kpis.models import KPI, Measurement

MONTHS = 6  # of values, ending last month

# name → definition, and the values of the last MONTHS months, oldest first.
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
    "orderregels per uur": (
        {
            "unit": "orderregels per uur",
            "direction": Direction.HIGHER,
            "decimals": 1,
            "subject_level": SubjectLevel.ORGANIZATION,
            "baseline_value": Decimal("72"),
            "target_value": Decimal("85"),
            "min_value": Decimal("0"),
            "max_value": Decimal("300"),
        },
        ["72.5", "73.0", "76.5", "79.0", "81.5", "82.0"],
    ),
}
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
        cadence=Cadence.MONTH,
        baseline_on=_month(today, MONTHS + 1),
        target_on=_month(today, -4),
        **fields,
    )


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
    # The dashboard reads snapshots: roll today's up now, not only at night, so the demo's
    # dashboard tells its story from the first visit.
    rollups.rollup_all(on=today)
