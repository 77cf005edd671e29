"""Every change to KPIs and their measurements."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.choices import SubjectLevel
from kpis.models import KPI, SUBJECT_FIELDS, Measurement
from programs.models import Cohort, Program, validate_plausible_date
from werkplek.models import Membership, Organization, User

KPI_FIELDS = {
    "program",
    "name",
    "unit",
    "direction",
    "decimals",
    "subject_level",
    "cadence",
    "baseline_value",
    "baseline_on",
    "target_value",
    "target_on",
    "min_value",
    "max_value",
}
# What each value means depends on these (what it is about, which period, the program its
# groups belong to): once a KPI has values they stay as they are.
FIXED_ONCE_MEASURED = ("subject_level", "cadence", "program")


def _ensure_manager(actor: User, organization: Organization) -> None:
    if not Organization.objects.managed_by(actor).filter(pk=organization.pk).exists():
        raise ValidationError(_("Only an L&D manager of the organisation can do this."))


def _set_fields(kpi: KPI, fields: dict) -> list[str]:
    unknown = set(fields) - KPI_FIELDS
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    for name, value in fields.items():
        setattr(kpi, name, value)
    return list(fields)


def _check_baseline(kpi: KPI) -> None:
    if kpi.baseline_on and kpi.baseline_on > timezone.localdate():
        raise ValidationError(
            {"baseline_on": _("A baseline has been measured: choose today or earlier.")}
        )


@transaction.atomic
def kpi_create(*, actor: User, organization: Organization, **fields) -> KPI:
    """A manager defines a KPI of their organisation (of one of its programs, or of all)."""
    _ensure_manager(actor, organization)
    kpi = KPI(organization=organization, created_by=actor)
    _set_fields(kpi, fields)
    _check_baseline(kpi)
    kpi.full_clean()
    kpi.save()
    return kpi


@transaction.atomic
def kpi_update(*, actor: User, kpi: KPI, **fields) -> KPI:
    """A manager changes a KPI's definition; what it is measured per, how often and for which
    program stay fixed once it has measurements, since every value was recorded in those terms."""
    _ensure_manager(actor, kpi.organization)
    kpi = KPI.objects.select_for_update().get(pk=kpi.pk)
    fixed = [f for f in FIXED_ONCE_MEASURED if f in fields and fields[f] != getattr(kpi, f)]
    if fixed and kpi.measurements.exists():
        raise ValidationError(
            {
                field: _("This KPI has measurements, so this can no longer change.")
                for field in fixed
            }
        )
    changed = _set_fields(kpi, fields)
    _check_baseline(kpi)
    kpi.full_clean()
    kpi.save(update_fields=[*changed, "updated_at"])
    return kpi


def _check_subject(kpi: KPI, subject: dict) -> None:
    """The subject belongs to the KPI's organisation (and program, where it has one)."""
    field = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    given = {name for name, value in subject.items() if value}
    if given - {field}:
        raise ValueError(f"{kpi} is measured per {kpi.subject_level}, not {sorted(given)}")
    if field is None:
        return
    value = subject.get(field)
    members = Membership.objects.filter(organization=kpi.organization_id)
    if field == "learner":
        valid = bool(value) and members.filter(user=value).exists()
        message = _("Choose a person of your organisation.")
    elif field == "team":
        valid = bool(value) and members.filter(team=value).exists()
        message = _("Choose a team of your organisation.")
    elif field == "cohort":
        groups = Cohort.objects.filter(program__organization=kpi.organization_id)
        if kpi.program_id:
            groups = groups.filter(program=kpi.program_id)
        valid = bool(value) and groups.filter(pk=value.pk).exists()
        message = _("Choose a group of this KPI's program.")
    else:
        programs = Program.objects.filter(organization=kpi.organization_id)
        if kpi.program_id:
            programs = programs.filter(pk=kpi.program_id)
        valid = bool(value) and programs.filter(pk=value.pk).exists()
        message = _("Choose a program of your organisation.")
    if not valid:
        raise ValidationError({field: message})


@transaction.atomic
def measurement_record(
    *,
    actor: User,
    kpi: KPI,
    period: datetime.date,
    value: Decimal,
    learner: User | None = None,
    team: str = "",
    cohort: Cohort | None = None,
    program: Program | None = None,
    correction: bool = False,
) -> Measurement:
    """A manager records a KPI's value for a subject and the period holding `period`.

    One value per KPI, subject and period is current. A second one is refused unless it is
    a `correction`: then it becomes current and the value it replaces stays in the history.
    """
    _ensure_manager(actor, kpi.organization)
    subject = {"learner": learner, "team": team.strip(), "cohort": cohort, "program": program}
    _check_subject(kpi, subject)
    try:
        validate_plausible_date(period)
    except ValidationError as error:
        raise ValidationError({"period": error.messages}) from error
    if period > timezone.localdate():
        raise ValidationError(
            {"period": _("A measurement is about the past: choose today or earlier.")}
        )
    problem = kpi.range_error(value)
    if problem:
        raise ValidationError({"value": problem})
    measurement = Measurement(
        kpi=kpi, period_start=kpi.period_for(period), value=value, recorded_by=actor, **subject
    )
    # Locked, so that two corrections at once cannot both replace the same value.
    field = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    same = Measurement.objects.current().filter(kpi=kpi, period_start=measurement.period_start)
    if field:
        same = same.filter(**{field: subject[field]})
    previous = same.select_for_update().first()
    if previous is not None:
        if not correction:
            raise ValidationError(
                {"period": _("There already is a measurement for this period; choose 'correct'.")}
            )
        previous.is_current = False
        previous.save(update_fields=["is_current"])
        measurement.corrects = previous
    measurement.full_clean()
    measurement.save()
    return measurement
