"""Reads of KPIs and their measurements, each with what it loads."""

import dataclasses
from collections import defaultdict

from django.db.models import Avg, Count, Max, OuterRef, Q, Subquery
from django.utils import formats
from django.utils.translation import gettext as _

from coaching.attention import Standing
from kpis.choices import Direction, SubjectLevel
from kpis.models import KPI, EnrolmentSnapshot, Measurement, ProgramSnapshot
from kpis.rollups import TREND_PERIODS, trend_period
from kpis.statistics import min_group_size
from programs.choices import ProgramStatus
from programs.models import Program
from werkplek import audit


def kpi_list(user):
    """The KPIs the user manages, with their organisation, program, and how many current
    values they have up to which period (one query)."""
    return (
        KPI.objects.editable_by(user)
        .select_related("organization", "program")
        .annotate(
            measurement_count=Count("measurements", filter=Q(measurements__is_current=True)),
            last_period=Max("measurements__period_start"),
        )
        .order_by("organization__name", "name", "pk")
    )


def enrolment_standings(enrolment_ids, *, on) -> dict[int, Standing]:
    """Day `on`'s roll-up of these enrolments as coaching's attention list reads it, by the
    snapshots' (enrolment, day) index: one row each, however long their history (one query)."""
    fields = [field.name for field in dataclasses.fields(Standing)]
    rows = EnrolmentSnapshot.objects.filter(day=on, enrolment__in=enrolment_ids).values_list(
        "enrolment", *fields, named=True
    )
    return {
        row.enrolment: Standing(**{name: getattr(row, name) for name in fields}) for row in rows
    }


def kpi_measurements(kpi: KPI):
    """The KPI's current values, newest period first, with their subjects and recorders."""
    return (
        kpi.measurements.current()
        .select_related("learner", "cohort", "program", "recorded_by")
        .order_by("-period_start", "learner__name", "team", "cohort__name", "program__name", "pk")
    )


def kpi_trend(kpi: KPI) -> list[dict]:
    """The KPI's newest TREND_PERIODS periods, oldest first, each as `rollups.trend_period`
    has it (the mean of the current values and their n), with its label (one query)."""
    rows = (
        kpi.measurements.current()
        .values("period_start")
        .annotate(mean=Avg("value"), n=Count("pk"))
        .order_by("-period_start")[:TREND_PERIODS]
    )
    minimum = min_group_size()
    return [
        {
            **trend_period(kpi, row["period_start"], row["mean"], row["n"]),
            "label": kpi.period_label(row["period_start"]),
            "minimum": minimum,
        }
        for row in reversed(rows)
    ]


def kpi_trend_chart(kpi: KPI, periods: list[dict], *, labels: list[str]) -> dict:
    """What static/js/kpi-trend.js draws of a KPI's trend (the KPI page's `kpi_trend` or a
    dashboard's snapshot): the same numbers as the page's table, each value with its n, and
    the baseline and target lines. `labels` name the periods on the axis."""
    return {
        "id": kpi.pk,
        "labels": labels,
        "values": [
            float(period["value"]) if period["value"] is not None else None for period in periods
        ],
        "n": [period["n"] for period in periods],
        "baseline": float(kpi.baseline_value) if kpi.baseline_value is not None else None,
        "target": float(kpi.target_value) if kpi.target_value is not None else None,
        "valueLabel": kpi.name,
        "baselineLabel": _("baseline"),
        "targetLabel": _("target"),
    }


def _subject_key(measurement: Measurement) -> tuple:
    return (
        measurement.period_start,
        measurement.learner_id,
        measurement.team,
        measurement.cohort_id,
        measurement.program_id,
    )


def attach_history(kpi: KPI, measurements) -> None:
    """Give each of `measurements` (current values of `kpi`) a `history`: the values it
    replaced, newest first, with who recorded them (one query for the whole page)."""
    periods = {measurement.period_start for measurement in measurements}
    replaced = (
        Measurement.objects.filter(kpi=kpi, is_current=False, period_start__in=periods)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")
    )
    history = defaultdict(list)
    for old in replaced:
        history[_subject_key(old)].append(old)
    for measurement in measurements:
        measurement.history = history[_subject_key(measurement)]


LEARNER_KPIS_SHOWN = 10


def learner_kpis(enrolment, *, viewer):
    """For the progress page: the learner-level KPIs of the enrolment's program (and those of
    the whole organisation) with the learner's latest value, as far as `viewer` may read it;
    one query, at most LEARNER_KPIS_SHOWN KPIs. None when there is nothing to show."""
    program = enrolment.cohort.program
    latest = (
        Measurement.objects.visible_to(viewer)
        .current()
        .filter(kpi=OuterRef("pk"), learner=enrolment.learner_id)
        .order_by("-period_start")
    )
    kpis = list(
        KPI.objects.filter(organization=program.organization_id, subject_level=SubjectLevel.LEARNER)
        .filter(Q(program=program) | Q(program__isnull=True))
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_period=Subquery(latest.values("period_start")[:1]),
        )
        .filter(latest_value__isnull=False)
        .order_by("name", "pk")[:LEARNER_KPIS_SHOWN]
    )
    return {"kpis": kpis} if kpis else None


def dashboard_programs(organization):
    """The programs the organisation dashboard compares: every one that is not archived (an
    archived program's snapshots are no longer kept up to date), by name."""
    return (
        Program.objects.filter(organization=organization)
        .exclude(status=ProgramStatus.ARCHIVED)
        .order_by("name", "pk")
    )


# The most KPIs the manager's digest lists per program.
DIGEST_KPIS = 10


def _latest_means(kpis: list) -> dict:
    """{kpi pk: (period, mean, n)} of each KPI's newest period (one query)."""
    newest = (
        Measurement.objects.filter(kpi=OuterRef("kpi"), is_current=True)
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    rows = (
        Measurement.objects.filter(kpi__in=kpis, is_current=True, period_start=Subquery(newest))
        .values("kpi", "period_start")
        .annotate(mean=Avg("value"), n=Count("pk"))
        .order_by()
    )
    return {row["kpi"]: (row["period_start"], row["mean"], row["n"]) for row in rows}


def digest_progress(programs) -> dict:
    """The manager's digest part of kpis, {program pk: context}: each program's newest
    snapshot (learners running and independent, time to independence against the planned
    duration, the built-in shares) and its own KPIs' newest value against their target.
    Three queries whatever the number of programs; a learner-level mean over too few
    learners shows no value, as on the dashboards."""
    # kpis.dashboard imports this module, so its row is imported when called.
    from kpis.dashboard import ProgramRow

    programs = list(programs)
    newest_day = (
        ProgramSnapshot.objects.filter(program=OuterRef("program")).order_by("-day").values("day")
    )
    snapshots = {
        snapshot.program_id: snapshot
        for snapshot in ProgramSnapshot.objects.filter(
            program__in=programs, day=Subquery(newest_day[:1])
        )
    }
    kpis = defaultdict(list)
    for kpi in KPI.objects.filter(program__in=programs).order_by("program", "name", "pk"):
        if len(kpis[kpi.program_id]) < DIGEST_KPIS:
            kpis[kpi.program_id].append(kpi)
    latest = _latest_means([kpi for listed in kpis.values() for kpi in listed])
    minimum = min_group_size()
    parts = {}
    for program in programs:
        rows = []
        for kpi in kpis[program.pk]:
            period, mean, n = latest.get(kpi.pk, (None, None, 0))
            enough = kpi.subject_level != SubjectLevel.LEARNER or n >= minimum
            value = round(mean, kpi.decimals) if mean is not None and enough else None
            row = {"kpi": kpi, "period": period, "value": value, "n": n}
            rows.append(row | _against(kpi, value))
        snapshot = snapshots.get(program.pk)
        parts[program.pk] = {
            "progress": ProgramRow(program=program, snapshot=snapshot, attention=None)
            if snapshot
            else None,
            "kpis": rows,
        }
    return parts


def _against(kpi: KPI, value) -> dict:
    """Whether `value` reaches the KPI's target, by its direction (None: no value or target)."""
    if value is None or kpi.target_value is None:
        return {"on_target": None}
    if kpi.direction == Direction.LOWER:
        return {"on_target": value <= kpi.target_value}
    return {"on_target": value >= kpi.target_value}


def kpi_trail(kpi: KPI) -> list[audit.Source]:
    """Changes to a KPI's definition and its measurements (corrections included)."""

    def number(value):
        # to the KPI's own decimals, as its pages show it: "41", not the stored "41,0000"
        return "" if value is None else formats.number_format(value, kpi.decimals, use_l10n=True)

    values = ("baseline_value", "target_value", "min_value", "max_value")
    return [
        audit.Source(
            KPI.history.filter(id=kpi.pk),
            hidden=frozenset({"organization"}),
            formats=dict.fromkeys(values, number),
        ),
        audit.Source(
            Measurement.history.filter(kpi_id=kpi.pk),
            hidden=frozenset({"kpi", "subject_level", "corrects"}),
            formats={"value": number},
        ),
    ]
