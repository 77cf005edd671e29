"""Learning programs: goals with checklists, cohorts of learners, and coach pairings."""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
)
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Exists, F, Max, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.choices import (
    STATUS_TRANSITIONS,
    BuiltinMethod,
    EndReason,
    EvaluationAudience,
    ProgramStatus,
    ReminderRhythm,
)
from werkplek.lib.text import NameValidator, bounded_text, has_nul, length_check
from werkplek.models import Membership, Organization, hours_per_week_field, validate_weekdays

MAX_DURATION_WEEKS = 104
# A program's and a goal's free texts, in characters: half a page each.
DESCRIPTION_LENGTH = 2000
MAX_REFLECTION_QUESTIONS = 10
REFLECTION_QUESTION_LENGTH = 300
# Dates outside this range are typing mistakes (and would overflow date arithmetic).
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)
# The longest a sign-off may stay current before the task is observed again: ten years.
MAX_REOBSERVE_DAYS = 3650
# A program's evaluation: a few statements rated 1-5 and one open question per audience.
MAX_EVALUATION_QUESTIONS = 8
EVALUATION_QUESTION_LENGTH = 300
# Results show only from this many answers (a program's own minimum may be higher), so that
# nobody's answers can be picked out of a small group. The same privacy rule as the KPIs'
# minimum group size, with the same default, but a separate setting: the KPIs' is the
# installation's (KPI_MIN_GROUP_SIZE), this one each program's, which its L&D manager sets
# for the size of its groups (never below 3).
MIN_EVALUATION_ANSWERS = 3
DEFAULT_EVALUATION_ANSWERS = settings.MIN_GROUP_SIZE_DEFAULT
MAX_EVALUATION_ANSWERS = 50


def validate_plausible_date(value: datetime.date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
        )


class PostgreSQLExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that only PostgreSQL holds.

    Other databases (SQLite for local runs) have no exclusion constraints: there the table
    is made without it, full_clean() skips it, and the services are the rule.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


class DateRange(models.Func):
    """A PostgreSQL date range from two date columns (an open end is unbounded)."""

    function = "DATERANGE"
    output_field = DateRangeField()


class MethodQuerySet(models.QuerySet):
    def available_to(self, organizations):
        """The built-in methods and those of the given organisations."""
        return self.filter(Q(organization__isnull=True) | Q(organization__in=organizations))


class Method(models.Model):
    """A way of learning a program uses: one of the built-ins or one an organisation added."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="methods",
        verbose_name=_("organisation"),
    )
    builtin = models.CharField(
        _("built-in method"), max_length=40, choices=BuiltinMethod.choices, blank=True
    )
    name = models.CharField(_("name"), max_length=100, blank=True, validators=[NameValidator()])

    objects = MethodQuerySet.as_manager()

    class Meta:
        verbose_name = _("learning method")
        verbose_name_plural = _("learning methods")
        ordering = ["organization", "builtin", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(organization__isnull=True, name="") & ~Q(builtin="")
                    | Q(organization__isnull=False, builtin="") & ~Q(name="")
                ),
                name="method_builtin_or_own",
            ),
            models.UniqueConstraint(
                fields=["builtin"], condition=~Q(builtin=""), name="method_builtin_once"
            ),
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="method_name_unique_per_organization",
                violation_error_message=_("Your organisation already has a method with this name."),
            ),
        ]

    def __str__(self):
        return self.get_builtin_display() if self.builtin else self.name


class ProgramQuerySet(models.QuerySet):
    def managed_by(self, user):
        """Programs the user may change: those of organisations they manage."""
        return self.filter(organization__in=Organization.objects.managed_by(user))

    def visible_to(self, user):
        """Programs the user may read: managed ones, and those they learn or coach in."""
        if not user.is_authenticated:
            return self.none()
        involved = Enrolment.objects.visible_to(user).values("cohort__program")
        return self.filter(
            Q(organization__in=Organization.objects.managed_by(user)) | Q(pk__in=involved)
        )


class Program(models.Model):
    """A designed route to working independently: goals, methods, rhythm and cohorts."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200, validators=[NameValidator()])
    description = bounded_text(_("description"), max_length=DESCRIPTION_LENGTH, blank=True)
    business_objective = bounded_text(
        _("business objective"),
        max_length=DESCRIPTION_LENGTH,
        help_text=_(
            "The business result this program serves, e.g. new order pickers work "
            "independently within four weeks."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_programs",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    duration_weeks = models.PositiveSmallIntegerField(
        _("planned duration (weeks)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_WEEKS)],
    )
    methods = models.ManyToManyField(
        Method, blank=True, related_name="programs", verbose_name=_("learning methods")
    )
    feedback_every_days = models.PositiveSmallIntegerField(
        _("feedback rhythm (working days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "A feedback moment at least every this many working days; after that a "
            "learner's feedback is overdue."
        ),
    )
    learning_hours_per_week = hours_per_week_field(
        _("planned learning hours per week"),
        help_text=_(
            "The hours a learner spends on this program in an average week, on top of the "
            "work itself. Empty: not stated."
        ),
    )
    reminder_rhythm = models.CharField(
        _("reflection reminders"),
        max_length=20,
        choices=ReminderRhythm.choices,
        default=ReminderRhythm.AFTER_FEEDBACK,
        help_text=_(
            "When learners with a reflection that is due get an e-mail: once after each "
            "feedback moment, every working day, or on the weekdays chosen below."
        ),
    )
    reminder_weekdays = models.JSONField(
        _("reminder days"),
        default=list,
        blank=True,
        validators=[validate_weekdays],
        help_text=_("Only for reminders on chosen weekdays."),
    )
    reminder_time = models.TimeField(
        _("reminder time"),
        default=datetime.time(9, 0),
        help_text=_("The time of day, in each learner's own time zone."),
    )
    evaluate_halfway = models.BooleanField(
        _("also evaluate halfway"),
        default=False,
        help_text=_(
            "Learners also answer the evaluation halfway between their start and target date, "
            "not only at the end."
        ),
    )
    evaluation_min_answers = models.PositiveSmallIntegerField(
        _("minimum number of answers"),
        default=DEFAULT_EVALUATION_ANSWERS,
        validators=[
            MinValueValidator(MIN_EVALUATION_ANSWERS),
            MaxValueValidator(MAX_EVALUATION_ANSWERS),
        ],
        help_text=_(
            "Results of the program or a group show only from this many answers, so that "
            "nobody can be recognised in them."
        ),
    )
    duplicated_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicated from"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Moved on by every edit through a form (werkplek.lib.versions): no edit is lost.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProgramQuerySet.as_manager()
    # Every version with who saved it and when: the rhythm's changes on the dashboard, and
    # the audit trail's storage, with the methods chosen at each version. The services set
    # the acting user on each write.
    history = HistoricalRecords(m2m_fields=[methods])

    class Meta:
        verbose_name = _("learning program")
        verbose_name_plural = _("learning programs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="program_name_unique_per_organization",
                violation_error_message=_(
                    "Your organisation already has a program with this name."
                ),
            ),
            models.CheckConstraint(
                condition=Q(duration_weeks__gte=1, duration_weeks__lte=MAX_DURATION_WEEKS),
                name="program_duration_in_range",
            ),
            length_check("description", DESCRIPTION_LENGTH, name="program_description_length"),
            length_check("business_objective", DESCRIPTION_LENGTH, name="program_objective_length"),
            models.CheckConstraint(
                condition=Q(
                    evaluation_min_answers__gte=MIN_EVALUATION_ANSWERS,
                    evaluation_min_answers__lte=MAX_EVALUATION_ANSWERS,
                ),
                name="program_evaluation_min_answers_in_range",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programs:detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.reminder_rhythm == ReminderRhythm.WEEKDAYS and not self.reminder_weekdays:
            raise ValidationError(
                {"reminder_weekdays": _("Choose at least one day for the reminders.")}
            )

    @property
    def is_archived(self) -> bool:
        return self.status == ProgramStatus.ARCHIVED

    def next_statuses(self) -> list[ProgramStatus]:
        return STATUS_TRANSITIONS[ProgramStatus(self.status)]


class LearningGoalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Goals of the programs the user may read."""
        return self.filter(program__in=Program.objects.visible_to(user))

    def editable_by(self, user):
        """Goals the user may change: those of programs they manage."""
        return self.filter(program__in=Program.objects.managed_by(user))


class LearningGoal(models.Model):
    """What a learner must be able to do, with what a coach sees when it is mastered."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="goals", verbose_name=_("program")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200, validators=[NameValidator()])
    description = bounded_text(_("description"), max_length=DESCRIPTION_LENGTH, blank=True)
    success_criteria = bounded_text(
        _("success criteria"),
        max_length=DESCRIPTION_LENGTH,
        blank=True,
        help_text=_("What a coach sees when the learner masters this."),
    )
    target_week = models.PositiveSmallIntegerField(
        _("target week"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_WEEKS)],
        help_text=_("The week of the program in which the learner should be independent."),
    )

    # Moved on by every edit through a form (werkplek.lib.versions): no edit is lost.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = LearningGoalQuerySet.as_manager()
    # Goals added and removed after a group started are program changes on the dashboard.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("learning goal")
        verbose_name_plural = _("learning goals")
        ordering = ["program", "position", "pk"]
        # On PostgreSQL a trigger also keeps the week within the program's own duration
        # (a check constraint cannot read the program): see migrations/0003_constraints.py.
        constraints = [
            models.CheckConstraint(
                condition=Q(target_week__gte=1, target_week__lte=MAX_DURATION_WEEKS),
                name="goal_target_week_in_range",
            ),
            length_check("description", DESCRIPTION_LENGTH, name="goal_description_length"),
            length_check(
                "success_criteria", DESCRIPTION_LENGTH, name="goal_success_criteria_length"
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.target_week and self.program_id and self.target_week > self.program.duration_weeks:
            raise ValidationError(
                {
                    "target_week": _("The program lasts %(weeks)s weeks; choose a week within it.")
                    % {"weeks": self.program.duration_weeks}
                }
            )


class ChecklistItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Tasks of the programs the user may read."""
        return self.filter(goal__in=LearningGoal.objects.visible_to(user))

    def editable_by(self, user):
        """Tasks the user may change: those of programs they manage."""
        return self.filter(goal__in=LearningGoal.objects.editable_by(user))


class ChecklistItem(models.Model):
    """An observable task under a goal; a coach signs it off when seen done."""

    goal = models.ForeignKey(
        LearningGoal,
        on_delete=models.CASCADE,
        related_name="checklist_items",
        verbose_name=_("learning goal"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("task"), max_length=200, validators=[NameValidator()])
    requires_sign_off = models.BooleanField(
        _("coach signs off"),
        default=True,
        help_text=_("A coach must see the task done and sign it off."),
    )
    # A skill fades: after this many days a sign-off no longer counts in the skills matrix
    # until a coach sees the task done again (coaching.skills).
    reobserve_after_days = models.PositiveSmallIntegerField(
        _("observe again after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REOBSERVE_DAYS)],
        help_text=_(
            "A sign-off stays current this many days; then a coach observes the task again. "
            "Empty: a sign-off stays current."
        ),
    )

    objects = ChecklistItemQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["goal", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reobserve_after_days__isnull=True)
                | Q(reobserve_after_days__gte=1, reobserve_after_days__lte=MAX_REOBSERVE_DAYS),
                name="checklist_item_reobserve_in_range",
            ),
        ]

    def __str__(self):
        return self.title

    def expires_on(self, signed_on: datetime.date) -> datetime.date | None:
        """The day a sign-off of `signed_on` stops being current; None when it never does."""
        if self.reobserve_after_days is None:
            return None
        return signed_on + datetime.timedelta(days=self.reobserve_after_days)


class CohortQuerySet(models.QuerySet):
    def managed_by(self, user):
        """Groups the user may change and read: only managers work with whole groups."""
        return self.filter(program__in=Program.objects.managed_by(user))

    visible_to = managed_by


class Cohort(models.Model):
    """A group of learners who start a program together; a pilot group is flagged."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="cohorts", verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=100, validators=[NameValidator()])
    is_pilot = models.BooleanField(_("pilot group"), default=False)
    starts_on = models.DateField(_("start date"), validators=[validate_plausible_date])
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("The group ended: its enrolments ended and it takes no new learners."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CohortQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["program", "starts_on", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"],
                name="cohort_name_unique_per_program",
                violation_error_message=_("This program already has a group with this name."),
            ),
        ]

    def __str__(self):
        return self.name


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        """Enrolments still running."""
        return self.filter(ended_on__isnull=True)

    def running(self):
        """Active enrolments of programs that are not archived: the ones anyone may act on."""
        return self.active().exclude(cohort__program__status=ProgramStatus.ARCHIVED)

    def coached_by(self, user, *, on: datetime.date | None = None):
        """Running enrolments that the user coaches today (or `on`): the ones they act on."""
        if not user.is_authenticated:
            return self.none()
        return self.running().filter(
            pk__in=Pairing.objects.current(on=on).filter(coach=user).values("enrolment")
        )

    def coached_now_by(self, user):
        """Enrolments the user is the current coach of, running or ended (the last coach of
        an ended enrolment stays its coach): where a coach's second tap still finds it."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=Pairing.objects.current().filter(coach=user).values("enrolment"))

    def managed_by(self, user):
        """Enrolments in the programs the user manages."""
        return self.filter(cohort__program__in=Program.objects.managed_by(user))

    def guided_by(self, user):
        """Enrolments the user is the current coach of or manages: whose learner they may
        mark independent (ended ones too, so a second tap is told it has ended)."""
        return self.coached_now_by(user) | self.managed_by(user)

    def led_by(self, user):
        """Enrolments of the learners of the teams the user is a line manager of: in the
        same organisation, the learner's membership names the line manager's team."""
        team = Membership.objects.led_by(user).filter(
            user=OuterRef("learner"), organization=OuterRef("program__organization")
        )
        return self.filter(Exists(team))

    def learning(self, user):
        """The user's own running enrolments: the ones they reflect and ask feedback in."""
        if not user.is_authenticated:
            return self.none()
        return self.running().filter(learner=user)

    def fully_visible_to(self, user):
        """Enrolments the user may read in full: their own, managed ones, those they
        coach now (the last coach of an ended enrolment still does), and those of the
        learners of the team they are the line manager of."""
        if not user.is_authenticated:
            return self.none()
        coached = Pairing.objects.current().filter(coach=user)
        return self.filter(
            Q(learner=user)
            | Q(pk__in=coached.values("enrolment"))
            | Q(cohort__program__in=Program.objects.managed_by(user))
            | Q(pk__in=self.model.objects.led_by(user).values("pk"))
        )

    def skills_visible_to(self, user):
        """The one rule of whose skills a person sees in the skills matrix
        (coaching.skills): an L&D manager every enrolment of the organisations they manage,
        a coach the enrolments they are the current coach of (running or ended), a line
        manager those of their team's learners. A role that sees more is added here, nowhere
        else."""
        if not user.is_authenticated:
            return self.none()
        return self.managed_by(user) | self.coached_now_by(user) | self.led_by(user)

    def visible_to(self, user):
        """Enrolments the user may read: in full (above), or as a former coach only what
        stood on the last day of their pairing (see `readable_q`)."""
        if not user.is_authenticated:
            return self.none()
        started = Pairing.objects.filter(
            coach=user,
            started_on__lte=timezone.localdate(),
            enrolment__cohort__program__organization__in=Organization.objects.visible_to(user),
        )
        return self.filter(
            Q(pk__in=_fully_visible_enrolments(user)) | Q(pk__in=started.values("enrolment"))
        )

    def with_access(self, user):
        """Each enrolment with how far `user` reads it, in the same query, for
        `Enrolment.access_for(user)`: whether in full, and the last end of their pairings."""
        if not user.is_authenticated:
            return self.none()
        return self.annotate(
            access_viewer=Value(user.pk),
            access_full=Exists(_fully_visible_enrolments(user).filter(pk=OuterRef("pk"))),
            access_until=_last_pairing_end(user, "pk"),
        )


class Enrolment(models.Model):
    """One learner in one program: when they started, when they should be independent."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("group")
    )
    # The group's program, copied by clean() so that the database can allow one running
    # enrolment per learner per program.
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        related_name="enrolments",
        editable=False,
        blank=True,
        verbose_name=_("program"),
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("learner"),
    )
    started_on = models.DateField(_("start date"), validators=[validate_plausible_date])
    target_on = models.DateField(_("target date"))
    # The last day of the enrolment, with why it ended and who recorded it: a dated fact that
    # time to independence is computed from (other reasons count as censored).
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When its texts were anonymised (werkplek.personal_data: retention or erasure), so the
    # nightly retention job does not find it again.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["cohort", "learner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "learner"],
                name="enrolment_once_per_cohort",
                violation_error_message=_("This learner is already in this group."),
            ),
            models.CheckConstraint(
                condition=Q(target_on__gte=models.F("started_on")),
                name="enrolment_target_after_start",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="enrolment_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="")
                | Q(ended_on__isnull=False) & ~Q(end_reason=""),
                name="enrolment_end_has_date_and_reason",
                violation_error_message=_("An ending needs both a date and a reason."),
            ),
            models.UniqueConstraint(
                fields=["learner", "program"],
                condition=Q(ended_on__isnull=True),
                name="enrolment_one_running_per_program",
                violation_error_message=_("This learner is already enrolled in this program."),
            ),
        ]

    def __str__(self):
        return f"{self.learner} · {self.cohort.program}"

    def clean(self):
        super().clean()
        if self.cohort_id:
            self.program_id = self.cohort.program_id

    @cached_property
    def current_pairing(self) -> "Pairing | None":
        """The pairing in force today, with its coach (one query, then remembered)."""
        # Ordered by its own dates only: the default order starts with the enrolment's
        # (program, group, learner's name), the same for all of one enrolment's pairings,
        # and would join the learner and sort by all of them.
        return (
            self.pairings.current().select_related("coach").order_by("-started_on", "-pk").first()
        )

    @property
    def is_running(self) -> bool:
        return self.ended_on is None and not self.cohort.program.is_archived

    @property
    def ended_independent(self) -> bool:
        return self.end_reason == EndReason.INDEPENDENT

    def access_for(self, user) -> "EnrolmentAccess":
        """How far `user` reads this enrolment: from `with_access(user)` when it was fetched
        so, else in one query through the door (nothing, when they may not read it)."""
        if getattr(self, "access_viewer", None) != user.pk:
            row = (
                Enrolment.objects.visible_to(user)
                .with_access(user)
                .filter(pk=self.pk)
                .values("access_full", "access_until")
                .first()
            )
            self.access_viewer = user.pk
            self.access_full, self.access_until = (
                (row["access_full"], row["access_until"]) if row else (False, None)
            )
        return EnrolmentAccess(
            enrolment_id=self.pk,
            viewer_id=user.pk,
            full=self.access_full,
            until=self.access_until,
        )

    def is_coached_now_by(self, user) -> bool:
        """Whether the user is the coach who may act on this enrolment today."""
        pairing = self.current_pairing
        return self.is_running and pairing is not None and pairing.coach_id == user.pk

    @staticmethod
    def target_for(started_on: datetime.date, program: Program) -> datetime.date:
        """The date a learner starting then should be independent: start + planned duration."""
        return started_on + datetime.timedelta(weeks=program.duration_weeks)


class PairingQuerySet(models.QuerySet):
    def current(self, *, on: datetime.date | None = None):
        """Pairings in force today (or `on`). A replacement dated ahead takes effect on its
        day; the first coach of an enrolment that has not started yet counts from now, so
        they can prepare. A pairing replaced before it began never counts, nor does one
        whose coach has left the organisation."""
        on = on or timezone.localdate()
        earlier = Pairing.objects.filter(
            enrolment=OuterRef("enrolment"), started_on__lt=OuterRef("started_on")
        )
        return (
            self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
            .filter(Q(started_on__lte=on) | ~Exists(earlier))
            .exclude(ended_on=F("started_on"))
            .filter(
                coach__memberships__organization=F("enrolment__cohort__program__organization"),
                coach__memberships__ended_on__isnull=True,
            )
        )

    def visible_to(self, user):
        """Pairings of enrolments the user may read."""
        return self.filter(enrolment__in=Enrolment.objects.visible_to(user))


def _fully_visible_enrolments(user):
    """`Enrolment.objects.fully_visible_to(user)`, built once per user object and day: a page
    asks the door of every kind of row it shows (a dozen on the progress page), and building
    the queryset is the costly part. It stays lazy, so each query still reads the pairings
    and memberships as they are then; only the day it compares with is remembered."""
    today = timezone.localdate()
    cached = getattr(user, "_fully_visible_enrolments", None)
    if cached is None or cached[0] != today:
        cached = (today, Enrolment.objects.fully_visible_to(user))
        user._fully_visible_enrolments = cached
    return cached[1]


def _last_pairing_end(user, enrolment: str) -> Subquery:
    """The last end date of the user's pairings of the enrolment at `enrolment` (an outer
    reference). A pairing runs up to, not including, its end date: that day the next coach
    starts, so a former coach reads what is dated before it."""
    return Subquery(
        Pairing.objects.filter(coach=user, enrolment=OuterRef(enrolment))
        # No order: the default one would join the enrolment's program, group and learner.
        .order_by()
        .values("enrolment")
        .annotate(last=Max("ended_on"))
        .values("last")
    )


@dataclass(frozen=True)
class EnrolmentAccess:
    """How far one person reads one enrolment (`Enrolment.access_for`): in full, or as a
    former coach the rows dated before `until`, the last end of their pairings (None: no
    pairing of theirs has ended, so no dated row). A door given it as `within=` reads that
    enrolment's rows by its id and this date, instead of nesting the enrolment door in the
    query again: the same rows, for a page that shows a dozen kinds of them."""

    enrolment_id: int
    viewer_id: int
    full: bool
    until: datetime.date | None

    def q(self, *, enrolment: str, dated: str, timestamp: bool) -> Q:
        rows = Q(**{enrolment: self.enrolment_id})
        if self.full:
            return rows
        if not dated or self.until is None:
            return Q(pk__in=[])
        lookup = f"{dated}__date__lt" if timestamp else f"{dated}__lt"
        return rows & Q(**{lookup: self.until})


def readable_q(
    user,
    *,
    enrolment: str = "enrolment",
    dated: str = "",
    timestamp=False,
    within: EnrolmentAccess | None = None,
) -> Q:
    """The door of every row that belongs to an enrolment: rows of enrolments the user
    reads in full, and for a former coach the rows dated before their pairing ended.

    `enrolment` is the row's path to its enrolment, `dated` to its date (a timestamp with
    `timestamp=True`). Without `dated`, a former coach sees nothing of the row's kind.
    `within` (the user's access to one enrolment) narrows it to that enrolment's rows.
    """
    if within is not None:
        if within.viewer_id != user.pk:
            raise ValueError("The access given is another person's.")
        return within.q(enrolment=enrolment, dated=dated, timestamp=timestamp)
    full = Q(**{f"{enrolment}__in": _fully_visible_enrolments(user)})
    if not dated or not user.is_authenticated:
        return full
    lookup = f"{dated}__date__lt" if timestamp else f"{dated}__lt"
    return full | Q(**{lookup: _last_pairing_end(user, enrolment)})


class Pairing(models.Model):
    """A coach guiding a learner in one enrolment, over a period; history is kept."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="pairings", verbose_name=_("enrolment")
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("coach"),
    )
    started_on = models.DateField(_("from"), validators=[validate_plausible_date])
    ended_on = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PairingQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["enrolment", "-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_current_per_enrolment",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="pairing_ends_after_start",
            ),
            # A handover ends the old pairing on the day the new one starts, and a pairing
            # that never started ends on its first day: with '[)' periods neither overlaps.
            PostgreSQLExclusionConstraint(
                name="pairing_periods_do_not_overlap",
                expressions=[
                    (
                        DateRange("started_on", "ended_on", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("enrolment", RangeOperators.EQUAL),
                ],
                violation_error_message=_(
                    "This pairing overlaps another pairing of this enrolment."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.coach} → {self.enrolment}"

    def clean(self):
        super().clean()
        # Refused here already, so the overlap check never has to build a backwards period.
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end date cannot be before the start date.")})


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Invitations not yet accepted."""
        return self.filter(accepted_at__isnull=True)

    def visible_to(self, user):
        """Invitations to the groups the user manages."""
        return self.filter(cohort__in=Cohort.objects.managed_by(user))

    def with_token(self, token: str):
        """The invitation of a link's token; none for a token no link holds (a NUL)."""
        return self.none() if has_nul(token) else self.filter(token=token)


class Invitation(models.Model):
    """Someone new to the organisation asked to join a group. Until they accept, the
    organisation knows only what it typed itself: no account is looked up or shown."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("group")
    )
    email = models.EmailField(_("e-mail address"))
    # PostgreSQL cannot store a NUL character: refused as a validation error, not a crash.
    name = models.CharField(_("name"), max_length=150, validators=[NameValidator()])
    team = models.CharField(_("team"), max_length=100, blank=True, validators=[NameValidator()])
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach"),
    )
    started_on = models.DateField(_("start date"), validators=[validate_plausible_date])
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    enrolment = models.OneToOneField(
        Enrolment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("enrolment"),
    )

    objects = InvitationQuerySet.as_manager()
    # Who invited whom, and when it was accepted: a works council asks. The token is a
    # credential, not a fact: it stays out of the audit rows (and so out of every export).
    history = HistoricalRecords(excluded_fields=["token"])

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["cohort", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "email"],
                condition=Q(accepted_at__isnull=True),
                name="invitation_open_once_per_cohort",
            ),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    def get_absolute_url(self):
        return reverse("programs:invitation-accept", args=[self.token])


class PreviewedImportQuerySet(models.QuerySet):
    def stale(self):
        """Previews nobody confirmed within a day: their file may be out of date."""
        cutoff = timezone.now() - self.model.PREVIEW_LIFETIME
        return self.filter(imported_at__isnull=True, created_at__lt=cutoff)

    def with_token(self, token: str):
        """The preview a confirm form names; none for a token no form holds (a NUL)."""
        return self.none() if has_nul(token) else self.filter(token=token)

    def confirmable(self, token: str):
        """The preview a confirm form names, unless it expired unconfirmed (an imported one
        stays, so a second confirm can say what the first did)."""
        return self.with_token(token).exclude(pk__in=self.model.objects.stale().values("pk"))


class PreviewedImport(models.Model):
    """A checked file waiting for the manager's confirmation, then the record that it was
    imported: its one-time token makes a second confirm answer "already imported". The
    learner import and the KPI import (kpis) are both one."""

    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    rows = models.JSONField(_("rows"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    PREVIEW_LIFETIME = datetime.timedelta(days=1)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class LearnerImportQuerySet(PreviewedImportQuerySet):
    def visible_to(self, user):
        """Imports into the groups the user manages."""
        return self.filter(cohort__in=Cohort.objects.managed_by(user))


class LearnerImport(PreviewedImport):
    """A learner list previewed for a group (see PreviewedImport)."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="imports", verbose_name=_("group")
    )
    enrolled_count = models.PositiveIntegerField(_("learners enrolled"), default=0)
    invited_count = models.PositiveIntegerField(_("people invited"), default=0)

    objects = LearnerImportQuerySet.as_manager()

    class Meta(PreviewedImport.Meta):
        verbose_name = _("learner import")
        verbose_name_plural = _("learner imports")

    def __str__(self):
        return f"{self.cohort} {self.created_at:%Y-%m-%d %H:%M}"


class ReflectionPrompt(models.Model):
    """A question a program asks its learners to reflect on."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="reflection_prompts",
        verbose_name=_("program"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(
        _("question"), max_length=REFLECTION_QUESTION_LENGTH, validators=[NameValidator()]
    )

    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reflection question")
        verbose_name_plural = _("reflection questions")
        ordering = ["program", "position", "pk"]

    def __str__(self):
        return self.text


# --- Coach preparation: the courses a coach took, and the programs they may coach ----------

# A course's name and its provider: a line each.
COURSE_NAME_LENGTH = 200


class CoachTrainingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A coach's own training records, and all of those in the organisations the user
        manages."""
        if not user.is_authenticated:
            return self.none()
        managed = Organization.objects.managed_by(user)
        return self.filter(Q(coach=user) | Q(organization__in=managed))

    def editable_by(self, user):
        """Records the user may change or remove: those of organisations they manage."""
        return self.filter(organization__in=Organization.objects.managed_by(user))

    def current(self, on: datetime.date):
        """Records that count on `on`: completed by then and not expired."""
        return self.filter(completed_on__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )


class CoachTraining(models.Model):
    """A course a coach completed to prepare for coaching, as a dated fact: which course,
    given by whom, when, and until when it counts (empty: it does not expire)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="coach_trainings",
        verbose_name=_("organisation"),
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coach_trainings",
        verbose_name=_("coach"),
    )
    course = models.CharField(
        _("training"), max_length=COURSE_NAME_LENGTH, validators=[NameValidator()]
    )
    provider = models.CharField(
        _("given by"),
        max_length=COURSE_NAME_LENGTH,
        blank=True,
        validators=[NameValidator()],
        help_text=_("The trainer, school or department that gave it."),
    )
    completed_on = models.DateField(_("completed on"), validators=[validate_plausible_date])
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        validators=[validate_plausible_date],
        help_text=_("Empty: it does not expire."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CoachTrainingQuerySet.as_manager()
    # Every version with who saved or removed it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coach training")
        verbose_name_plural = _("coach trainings")
        ordering = ["-completed_on", "-pk"]
        indexes = [models.Index(fields=["organization", "coach"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("completed_on")),
                name="coach_training_valid_after_completion",
                violation_error_message=_("It cannot expire before it was completed."),
            ),
        ]

    def __str__(self):
        return f"{self.coach} · {self.course}"

    def is_current_on(self, on: datetime.date) -> bool:
        """The one rule of a record that counts: completed by `on` and not expired."""
        return self.completed_on <= on and (self.valid_until is None or self.valid_until >= on)


def trained_q(on: datetime.date, *, coach: str = "user", organization: str = "organization"):
    """For a membership query (or any with a coach and an organisation): whether the coach
    has a training record that counts on `on` in that organisation. "Trained" means this."""
    return Exists(
        CoachTraining.objects.current(on).filter(
            coach=OuterRef(coach), organization=OuterRef(organization)
        )
    )


class CoachProgramQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A coach's own programs, and all of those in the organisations the user manages."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(coach=user) | Q(program__in=Program.objects.managed_by(user)))


class CoachProgram(models.Model):
    """A program a coach may coach. A coach without any may coach every program of their
    organisation; with some, only those (the pairing service holds to it)."""

    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coach_programs",
        verbose_name=_("coach"),
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="coach_programs",
        verbose_name=_("program"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CoachProgramQuerySet.as_manager()
    # Who allowed whom which program, and who took it away: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program a coach may coach")
        verbose_name_plural = _("programs a coach may coach")
        ordering = ["program__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "program"], name="coach_program_once"),
        ]

    def __str__(self):
        return f"{self.coach} · {self.program}"


def may_coach_q(program: Program, *, coach: str = "user") -> Q:
    """For a query with a coach: whether they may coach `program`, the one rule of it: they
    have no programs named in its organisation, or this one is among them."""
    named = CoachProgram.objects.filter(
        coach=OuterRef(coach), program__organization=program.organization_id
    )
    return ~Exists(named) | Exists(named.filter(program=program))


class EvaluationQuestionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Evaluation questions of the programs the user may read."""
        return self.filter(program__in=Program.objects.visible_to(user))

    def editable_by(self, user):
        """Evaluation questions the user may change: those of programs they manage."""
        return self.filter(program__in=Program.objects.managed_by(user))


class EvaluationQuestion(models.Model):
    """A question of a program's evaluation for learners or for coaches: a statement rated
    from 1 (disagree) to 5 (agree), or the audience's one open question."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="evaluation_questions",
        verbose_name=_("program"),
    )
    audience = models.CharField(_("asked of"), max_length=10, choices=EvaluationAudience.choices)
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(
        _("question"), max_length=EVALUATION_QUESTION_LENGTH, validators=[NameValidator()]
    )
    is_open = models.BooleanField(_("open question"), default=False)

    objects = EvaluationQuestionQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation question")
        verbose_name_plural = _("evaluation questions")
        ordering = ["program", "audience", "is_open", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "audience"],
                condition=Q(is_open=True),
                name="evaluation_one_open_question_per_audience",
            ),
        ]

    def __str__(self):
        return self.text


# The needs analysis keeps its models in its own module; imported here so Django finds them.
from programs.needs.models import (  # noqa: E402, F401
    NeedsAnalysis,
    NeedsImport,
    NeedsRating,
    NeedsRequest,
)
