"""Every change to KPIs and their measurements."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpis.choices import SubjectLevel
from kpis.models import KPI, SUBJECT_FIELDS, Measurement, MeasurementImport
from kpis.signals import kpi_values_changed
from programs.models import Cohort, Program, validate_plausible_date
from werkplek import audit
from werkplek.models import Membership, Organization, User

# What each value means depends on these (what it is about, which period, the program its
# groups belong to): once a KPI has values they stay as they are.
FIXED_ONCE_MEASURED = ("subject_level", "cadence", "program")


def _ensure_manager(actor: User, organization: Organization) -> None:
    if not Organization.objects.managed_by(actor).filter(pk=organization.pk).exists():
        raise ValidationError(_("Only an L&D manager of the organisation can do this."))


def _set_fields(kpi: KPI, fields: dict) -> list[str]:
    unknown = set(fields) - set(KPI.DEFINITION_FIELDS)
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
    kpi = audit.acted_by(KPI(organization=organization, created_by=actor), actor)
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
    kpi = audit.acted_by(KPI.objects.select_for_update().get(pk=kpi.pk), actor)
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
    # The baseline, decimals or program change what its snapshot says.
    kpi_values_changed.send(sender=KPI, kpi_ids=[kpi.pk])
    return kpi


def subject_choices(kpi: KPI):
    """The subjects a value of `kpi` may be about: the organisation's people (users), its
    teams (names), the groups or programs of its program; None for the whole organisation.
    Manual entry and the import both check against these."""
    field = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    if field == "learner":
        return User.objects.filter(memberships__organization=kpi.organization_id).distinct()
    if field == "team":
        members = Membership.objects.filter(organization=kpi.organization_id).exclude(team="")
        return members.values_list("team", flat=True).distinct()
    if field == "cohort":
        groups = Cohort.objects.filter(program__organization=kpi.organization_id)
        return groups.filter(program=kpi.program_id) if kpi.program_id else groups
    if field == "program":
        programs = Program.objects.filter(organization=kpi.organization_id)
        return programs.filter(pk=kpi.program_id) if kpi.program_id else programs
    return None


def _check_subject(kpi: KPI, subject: dict) -> None:
    """The subject belongs to the KPI's organisation (and program, where it has one)."""
    field = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    given = {name for name, value in subject.items() if value}
    if given - {field}:
        raise ValueError(f"{kpi} is measured per {kpi.subject_level}, not {sorted(given)}")
    if field is None:
        return
    value = subject.get(field)
    choices = subject_choices(kpi)
    messages = {
        "learner": _("Choose a person of your organisation."),
        "team": _("Choose a team of your organisation."),
        "cohort": _("Choose a group of this KPI's program."),
        "program": _("Choose a program of your organisation."),
    }
    if field == "team":
        valid = bool(value) and choices.filter(team=value).exists()
    else:
        valid = bool(value) and choices.filter(pk=value.pk).exists()
    if not valid:
        raise ValidationError({field: messages[field]})


def measurement_problems(kpi: KPI, period: datetime.date, value: Decimal) -> dict[str, str]:
    """What is wrong with a value of `kpi` for the period holding `period`, by field: a date
    out of the plausible range or in the future, a value out of range or too precise. Manual
    entry and the import's preview both ask this, so they refuse the same values."""
    problems = {}
    try:
        validate_plausible_date(period)
    except ValidationError as error:
        problems["period"] = " ".join(error.messages)
    else:
        if period > timezone.localdate():
            problems["period"] = _("A measurement is about the past: choose today or earlier.")
    try:
        # What the column can hold (ten digits before the decimal mark), then the KPI's range.
        Measurement._meta.get_field("value").run_validators(value)
    except ValidationError as error:
        problems["value"] = " ".join(error.messages)
    else:
        problem = kpi.range_error(value)
        if problem:
            problems["value"] = problem
    return problems


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
    The KPI's snapshot is rolled up once the value is committed.
    """
    measurement = _record(
        actor=actor,
        kpi=kpi,
        period=period,
        value=value,
        subject={"learner": learner, "team": team, "cohort": cohort, "program": program},
        correction=correction,
    )
    kpi_values_changed.send(sender=Measurement, kpi_ids=[kpi.pk])
    return measurement


def _record(
    *,
    actor: User,
    kpi: KPI,
    period: datetime.date,
    value: Decimal,
    subject: dict,
    correction: bool,
    reason: str = "",
) -> Measurement:
    """`measurement_record` without the roll-up, for callers that record many values."""
    _ensure_manager(actor, kpi.organization)
    subject = {**subject, "team": subject["team"].strip()}
    _check_subject(kpi, subject)
    problems = measurement_problems(kpi, period, value)
    if problems:
        raise ValidationError(problems)
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
        audit.acted_by(previous, actor, reason=reason).save(update_fields=["is_current"])
        measurement.corrects = previous
    audit.acted_by(measurement, actor, reason=reason)
    measurement.full_clean()
    measurement.save()
    return measurement


class AlreadyImported(Exception):
    """This previewed file was imported before: nothing is written twice."""


@transaction.atomic
def measurement_import_create(
    *, actor: User, kpi: KPI, rows: list, is_spreadsheet: bool
) -> MeasurementImport:
    """A manager's checked file of `kpi`'s values, kept until its preview is confirmed: only
    the rows to record, none with an error. Previews left for a day are removed on the way."""
    _ensure_manager(actor, kpi.organization)
    if any(row.errors for row in rows):
        raise ValidationError(_("Fix the rows with errors before importing."))
    MeasurementImport.objects.stale().delete()
    return MeasurementImport.objects.create(
        kpi=kpi,
        rows=[row.as_dict() for row in rows if not row.is_skipped],
        is_spreadsheet=is_spreadsheet,
        created_by=actor,
    )


@transaction.atomic
def measurement_import_confirm(
    *, actor: User, measurement_import: MeasurementImport, rows: list, correct: bool
) -> list[Measurement]:
    """Record a previewed file once, all values or none: the first confirm claims it, a later
    or simultaneous one raises AlreadyImported. `rows` are the preview's rows checked again by
    `kpis.imports.check_rows`; a row that replaces a recorded value needs `correct`. Each value
    goes through the checks of `measurement_record`, so the import keeps every rule of manual
    entry; the KPI is rolled up once, after the commit."""
    kpi = measurement_import.kpi
    _ensure_manager(actor, kpi.organization)
    claimed = MeasurementImport.objects.filter(
        pk=measurement_import.pk, imported_at__isnull=True
    ).update(imported_at=timezone.now())
    if not claimed:
        raise AlreadyImported
    if any(row.errors for row in rows):
        raise ValidationError(_("Fix the rows with errors before importing."))
    if not correct and any(row.is_correction for row in rows):
        raise ValidationError(_("Confirm that the file corrects values already recorded."))
    field = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    subjects = _import_subjects(kpi, field, rows)
    recorded = []
    for row in rows:
        if row.is_skipped:
            continue
        subject = {"learner": None, "team": "", "cohort": None, "program": None}
        if field:
            subject[field] = subjects[row.line]
        try:
            recorded.append(
                _record(
                    actor=actor,
                    kpi=kpi,
                    period=datetime.date.fromisoformat(row.period_on),
                    value=row.decimal,
                    subject=subject,
                    correction=row.is_correction,
                    reason=audit.IMPORT,
                )
            )
        except ValidationError as error:
            raise ValidationError(
                _("Row %(line)s: %(error)s") % {"line": row.line, "error": " ".join(error.messages)}
            ) from error
    measurement_import.recorded_count = len(recorded)
    measurement_import.rows = []
    measurement_import.save(update_fields=["recorded_count", "rows"])
    kpi_values_changed.send(sender=MeasurementImport, kpi_ids=[kpi.pk])
    return recorded


def _import_subjects(kpi: KPI, field: str | None, rows: list) -> dict:
    """Each row's subject in the shape `measurement_record` takes, by row number (one query)."""
    if field == "team":
        return {row.line: row.subject for row in rows}
    if field is None:
        return {}
    if field == "program" and kpi.program_id:
        return {row.line: kpi.program for row in rows}
    model = {"learner": User, "cohort": Cohort, "program": Program}[field]
    found = model.objects.in_bulk({row.subject_id for row in rows})
    return {row.line: found[row.subject_id] for row in rows}
