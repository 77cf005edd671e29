"""KPIs: what a program should change, measured per period for a learner, team, group,
program or the whole organisation."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kpis.choices import Cadence, Direction, SubjectLevel
from programs.models import (
    Cohort,
    Enrolment,
    PreviewedImport,
    PreviewedImportQuerySet,
    Program,
    validate_plausible_date,
)
from werkplek.lib.text import NameValidator
from werkplek.models import Organization

MAX_DECIMALS = 4
VALUE_DIGITS = {"max_digits": 14, "decimal_places": MAX_DECIMALS}


def period_start(cadence: str, day: datetime.date) -> datetime.date:
    """The first day of the period of `cadence` that holds `day`: its week's Monday, or the
    first day of its month or quarter."""
    if cadence == Cadence.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    if cadence == Cadence.MONTH:
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


class KPIQuerySet(models.QuerySet):
    def editable_by(self, user):
        """KPIs the user may define and measure: those of organisations they manage."""
        return self.filter(organization__in=Organization.objects.managed_by(user))

    def visible_to(self, user):
        """KPIs whose definition the user may read: today the managers' (learners will see
        their own learner-level values through `Measurement.objects.visible_to`)."""
        return self.editable_by(user)


class KPI(models.Model):
    """A measured indicator of an organisation, optionally of one program: its unit, which
    way is better, what one value is about, how often it is measured, and where it started
    and should go."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="kpis", verbose_name=_("organisation")
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name=_("program"),
        help_text=_("Leave empty for a KPI of the whole organisation."),
    )
    name = models.CharField(_("name"), max_length=200, validators=[NameValidator()])
    unit = models.CharField(
        _("unit"),
        max_length=40,
        blank=True,
        validators=[NameValidator()],
        help_text=_("Shown next to every value, e.g. days, %, order lines per hour."),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    decimals = models.PositiveSmallIntegerField(
        _("decimals"),
        default=0,
        validators=[MaxValueValidator(MAX_DECIMALS)],
        help_text=_("How many digits after the decimal comma a value has."),
    )
    subject_level = models.CharField(_("measured per"), max_length=20, choices=SubjectLevel.choices)
    cadence = models.CharField(_("how often"), max_length=10, choices=Cadence.choices)
    baseline_value = models.DecimalField(_("baseline"), null=True, blank=True, **VALUE_DIGITS)
    baseline_on = models.DateField(
        _("baseline date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    target_value = models.DecimalField(_("target"), null=True, blank=True, **VALUE_DIGITS)
    target_on = models.DateField(
        _("target date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    min_value = models.DecimalField(
        _("lowest possible value"),
        null=True,
        blank=True,
        help_text=_("A value below this is refused as a typing mistake."),
        **VALUE_DIGITS,
    )
    max_value = models.DecimalField(
        _("highest possible value"),
        null=True,
        blank=True,
        help_text=_("A value above this is refused as a typing mistake."),
        **VALUE_DIGITS,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = KPIQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    # What a manager defines, in the order the form asks it.
    DEFINITION_FIELDS = (
        "name",
        "program",
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
    )

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="kpi_name_unique_per_organization",
                violation_error_message=_("Your organisation already has a KPI with this name."),
            ),
            # The target of the measurements' foreign key on (kpi, level): see Measurement.
            models.UniqueConstraint(fields=["id", "subject_level"], name="kpi_id_with_level"),
            models.CheckConstraint(
                condition=Q(decimals__lte=MAX_DECIMALS), name="kpi_decimals_in_range"
            ),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True, baseline_on__isnull=True)
                | Q(baseline_value__isnull=False, baseline_on__isnull=False),
                name="kpi_baseline_has_value_and_date",
                violation_error_message=_("A baseline needs both a value and a date."),
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True, target_on__isnull=True)
                | Q(target_value__isnull=False, target_on__isnull=False),
                name="kpi_target_has_value_and_date",
                violation_error_message=_("A target needs both a value and a date."),
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="kpi_range_low_to_high",
                violation_error_message=_(
                    "The lowest possible value must not be above the highest."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("kpis:detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.program_id and self.organization_id:
            if self.program.organization_id != self.organization_id:
                raise ValidationError({"program": _("Choose a program of this organisation.")})
        if self.baseline_on and self.target_on and self.target_on < self.baseline_on:
            raise ValidationError(
                {"target_on": _("The target date cannot be before the baseline.")}
            )

    def period_for(self, day: datetime.date) -> datetime.date:
        """The start of this KPI's period that holds `day`."""
        return period_start(self.cadence, day)

    def period_label(self, start: datetime.date) -> str:
        """The period starting on `start` in words: "week 42, 2026", "October 2026", "Q4 2026"."""
        if self.cadence == Cadence.WEEK:
            year, week, _day = start.isocalendar()
            return _("week %(week)s, %(year)s") % {"week": week, "year": year}
        if self.cadence == Cadence.MONTH:
            return formats.date_format(start, "F Y")
        return _("Q%(quarter)s %(year)s") % {"quarter": (start.month + 2) // 3, "year": start.year}

    def range_error(self, value: Decimal) -> str | None:
        """Why `value` cannot be a value of this KPI (outside its range, too many decimals),
        or None."""
        if self.min_value is not None and value < self.min_value:
            return _("The lowest possible value is %(value)s.") % {"value": self.min_value}
        if self.max_value is not None and value > self.max_value:
            return _("The highest possible value is %(value)s.") % {"value": self.max_value}
        if value != round(value, self.decimals):
            return _("Use at most %(count)s digits after the decimal comma.") % {
                "count": self.decimals
            }
        return None


class MeasurementQuerySet(models.QuerySet):
    def current(self):
        """The values in force: each one not corrected since."""
        return self.filter(is_current=True)

    def visible_to(self, user):
        """Measurements the user may read: all of the KPIs they may read, and a learner's
        own learner-level values."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(kpi__in=KPI.objects.visible_to(user))
            | Q(subject_level=SubjectLevel.LEARNER, learner=user)
        )


SUBJECT_FIELDS = {
    SubjectLevel.LEARNER: "learner",
    SubjectLevel.TEAM: "team",
    SubjectLevel.GROUP: "cohort",
    SubjectLevel.PROGRAM: "program",
    SubjectLevel.ORGANIZATION: None,
}


def _subject_is(level: SubjectLevel) -> Q:
    """The subject columns of a measurement at `level`: its own set, the others empty."""
    empty = {
        "learner": Q(learner__isnull=True),
        "team": Q(team=""),
        "cohort": Q(cohort__isnull=True),
        "program": Q(program__isnull=True),
    }
    own = SUBJECT_FIELDS[level]
    condition = Q(subject_level=level)
    for field, is_empty in empty.items():
        condition &= ~is_empty if field == own else is_empty
    return condition


def _one_current_value(level: SubjectLevel) -> models.UniqueConstraint:
    own = SUBJECT_FIELDS[level]
    return models.UniqueConstraint(
        fields=["kpi", *([own] if own else []), "period_start"],
        condition=Q(subject_level=level, is_current=True),
        name=f"measurement_one_current_per_{level}_and_period",
        violation_error_message=_(
            "There already is a measurement for this period; choose 'correct'."
        ),
    )


class Measurement(models.Model):
    """One recorded value of a KPI for one subject and period. A correction is a new row:
    the value it replaces stays, no longer current, so the history of a number is kept."""

    kpi = models.ForeignKey(
        KPI, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("KPI")
    )
    # The KPI's level, copied by clean() so that the database can check the subject columns;
    # on PostgreSQL a foreign key on (kpi, level) keeps it equal to the KPI's (migration 0001).
    subject_level = models.CharField(
        _("measured per"), max_length=20, choices=SubjectLevel.choices, editable=False
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measurements",
        verbose_name=_("learner"),
    )
    team = models.CharField(_("team"), max_length=100, blank=True, validators=[NameValidator()])
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measurements",
        verbose_name=_("group"),
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measurements",
        verbose_name=_("program"),
    )
    period_start = models.DateField(_("period"), validators=[validate_plausible_date])
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    is_current = models.BooleanField(_("current"), default=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = MeasurementQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["kpi", "-period_start", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=_subject_is(SubjectLevel.LEARNER)
                | _subject_is(SubjectLevel.TEAM)
                | _subject_is(SubjectLevel.GROUP)
                | _subject_is(SubjectLevel.PROGRAM)
                | _subject_is(SubjectLevel.ORGANIZATION),
                name="measurement_subject_matches_level",
                violation_error_message=_("Choose the subject this KPI is measured for."),
            ),
            *(_one_current_value(level) for level in SubjectLevel),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(corrects=models.F("id")),
                name="measurement_does_not_correct_itself",
            ),
        ]
        indexes = [models.Index(fields=["kpi", "is_current", "-period_start"])]

    def __str__(self):
        return f"{self.kpi} · {self.period_start} · {self.value}"

    def clean(self):
        super().clean()
        if self.kpi_id:
            self.subject_level = self.kpi.subject_level

    @property
    def period_label(self) -> str:
        return self.kpi.period_label(self.period_start)

    @property
    def subject(self):
        """What this value is about: a person, a team name, a group, a program, or None for
        the whole organisation."""
        field = SUBJECT_FIELDS[SubjectLevel(self.subject_level)]
        return getattr(self, field) if field else None


class MeasurementImportQuerySet(PreviewedImportQuerySet):
    def visible_to(self, user):
        """Imports into the KPIs the user manages."""
        return self.filter(kpi__in=KPI.objects.editable_by(user))


class MeasurementImport(PreviewedImport):
    """A file of a KPI's values previewed for import (see programs' PreviewedImport)."""

    kpi = models.ForeignKey(
        KPI, on_delete=models.CASCADE, related_name="imports", verbose_name=_("KPI")
    )
    # A spreadsheet's numbers are its cells' own ("1.234" is 1.234); a CSV's are text as typed.
    is_spreadsheet = models.BooleanField(_("spreadsheet"), default=False)
    recorded_count = models.PositiveIntegerField(_("values recorded"), default=0)

    objects = MeasurementImportQuerySet.as_manager()

    class Meta(PreviewedImport.Meta):
        verbose_name = _("measurement import")
        verbose_name_plural = _("measurement imports")

    def __str__(self):
        return f"{self.kpi} {self.created_at:%Y-%m-%d %H:%M}"


class SnapshotQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Snapshots of the organisations the user manages: the dashboards' readers."""
        return self.filter(
            **{f"{self.model.ORGANIZATION_PATH}__in": Organization.objects.managed_by(user)}
        )


class EnrolmentSnapshot(models.Model):
    """Where one enrolment stood on a day, as the roll-up computed it from coaching data:
    what dashboards read instead of scanning raw feedback. Derived data, rewritten freely."""

    ORGANIZATION_PATH = "cohort__program__organization"

    day = models.DateField(_("day"))
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="snapshots",
        verbose_name=_("enrolment"),
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="+", verbose_name=_("group")
    )
    # {goal pk: level} for the goals that have a level (JSON keys are strings).
    levels = models.JSONField(_("level per goal"), default=dict)
    goals_independent = models.PositiveIntegerField(_("goals at level 3 or higher"))
    goals = models.PositiveIntegerField(_("goals"))
    sign_offs_done = models.PositiveIntegerField(_("required sign-offs done"))
    sign_offs_required = models.PositiveIntegerField(_("required sign-offs"))
    feedback_moments = models.PositiveIntegerField(_("feedback moments"))
    last_feedback_on = models.DateField(_("last feedback"), null=True)
    reflections_done = models.PositiveIntegerField(_("reflections done"))
    reflections_overdue = models.PositiveIntegerField(_("reflections overdue"))
    independent_since = models.DateField(_("independent since"), null=True)
    ended_on = models.DateField(_("end date"), null=True)
    end_reason = models.CharField(_("reason for ending"), max_length=20, blank=True)
    pace = models.CharField(_("pace"), max_length=20)
    attention_reasons = models.JSONField(_("needs attention because"), default=list)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("learner snapshot")
        verbose_name_plural = _("learner snapshots")
        ordering = ["-day", "enrolment"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "day"], name="one_snapshot_per_enrolment_day"
            )
        ]

    def __str__(self):
        return f"{self.enrolment} {self.day}"


class GroupSnapshot(models.Model):
    """What a group or program snapshot counts over its enrolments that had started."""

    day = models.DateField(_("day"))
    # {goal pk: {level: learners}}; level "0" counts learners without a level for it yet.
    levels = models.JSONField(_("learners per level per goal"), default=dict)
    enrolments = models.PositiveIntegerField(_("learners started"))
    running = models.PositiveIntegerField(_("running"))
    ended = models.PositiveIntegerField(_("ended"))
    independent = models.PositiveIntegerField(_("ended as independent"))
    # {kpi name: {"enough": bool, "n": ..., "value"/"median"...}}, see kpis.rollups.
    kpis = models.JSONField(_("built-in KPIs"), default=dict)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-day"]


class CohortSnapshot(GroupSnapshot):
    """A group's counts and built-in KPIs on a day."""

    ORGANIZATION_PATH = "cohort__program__organization"

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("group")
    )

    class Meta(GroupSnapshot.Meta):
        verbose_name = _("group snapshot")
        verbose_name_plural = _("group snapshots")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "day"], name="one_snapshot_per_cohort_day")
        ]

    def __str__(self):
        return f"{self.cohort} {self.day}"


class ProgramSnapshot(GroupSnapshot):
    """A program's counts and built-in KPIs on a day, over all its groups (with the pilot
    group's time to independence against the later groups')."""

    ORGANIZATION_PATH = "program__organization"

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("program")
    )

    class Meta(GroupSnapshot.Meta):
        verbose_name = _("program snapshot")
        verbose_name_plural = _("program snapshots")
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="one_snapshot_per_program_day")
        ]

    def __str__(self):
        return f"{self.program} {self.day}"


class KPISnapshot(models.Model):
    """A KPI's trend and impact on a day, as the roll-up computed them from its current
    measurements: what dashboards read instead of aggregating raw values (and running the
    statistics) per request. Derived data, rewritten freely."""

    ORGANIZATION_PATH = "kpi__organization"

    day = models.DateField(_("day"))
    kpi = models.ForeignKey(
        KPI, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("KPI")
    )
    # The newest periods, oldest first: [{"period": ISO date, "value": str | None, "n",
    # "enough"}]; a learner-level mean over fewer people than the minimum has no value.
    periods = models.JSONField(_("values per period"), default=list)
    # {program pk: {"kind": "groups" | "periods", "rows": [...]}}, see kpis.rollups.
    impact = models.JSONField(_("impact"), default=dict)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        ordering = ["-day", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "day"], name="one_snapshot_per_kpi_day")
        ]

    def __str__(self):
        return f"{self.kpi} {self.day}"
