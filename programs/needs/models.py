"""The rounds of a needs analysis, who was asked, their ratings, and the imported lists."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.choices import ProgramStatus
from programs.models import LearningGoal, PreviewedImport, PreviewedImportQuerySet, Program

RATING_MIN, RATING_MAX = 1, 5


class Round(models.TextChoices):
    """Before the program (the baseline) and after it (the same questions again)."""

    BEFORE = "before", _("before the program")
    AFTER = "after", _("after the program")


class Source(models.TextChoices):
    """Who gave a rating: the person, their L&D manager on the page, or an imported list."""

    SELF = "self", _("self-rated")
    MANAGER = "manager", _("rated by the L&D manager")
    IMPORT = "import", _("imported")


class NeedsAnalysisQuerySet(models.QuerySet):
    def managed_by(self, user):
        """Rounds of the programs the user manages."""
        return self.filter(program__in=Program.objects.managed_by(user))


class NeedsAnalysis(models.Model):
    """One round of a program's needs analysis: before it starts, or after it ran."""

    program = models.ForeignKey(
        Program,
        on_delete=models.CASCADE,
        related_name="needs_analyses",
        verbose_name=_("program"),
    )
    round = models.CharField(_("round"), max_length=10, choices=Round.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = NeedsAnalysisQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs analysis")
        verbose_name_plural = _("needs analyses")
        ordering = ["program", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "round"],
                name="needs_analysis_once_per_round",
                violation_error_message=_("This program already has a needs analysis this round."),
            ),
        ]

    def __str__(self):
        return f"{self.program} · {self.get_round_display()}"

    @property
    def is_closed(self) -> bool:
        """A round ends when its manager closes it; the baseline also when the program leaves
        its draft, and every round when the program is archived. Only a closed round shows
        its averages: while people still answer, a change in an average would give away the
        answers of whoever answered last."""
        if self.closed_at is not None or self.program.status == ProgramStatus.ARCHIVED:
            return True
        return self.round == Round.BEFORE and self.program.status != ProgramStatus.DRAFT

    @property
    def accepts_answers(self) -> bool:
        return not self.is_closed


class NeedsRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own requests, and every request of the programs they manage."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(person=user) | Q(analysis__program__in=Program.objects.managed_by(user))
        )

    def open(self):
        """Requests not answered yet."""
        return self.filter(answered_at__isnull=True)


class NeedsRequest(models.Model):
    """A person asked to rate the goals of a program in one round: once per person and round."""

    analysis = models.ForeignKey(
        NeedsAnalysis,
        on_delete=models.CASCADE,
        related_name="requests",
        verbose_name=_("needs analysis"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="needs_requests",
        verbose_name=_("person"),
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    source = models.CharField(_("rated by"), max_length=10, choices=Source.choices, blank=True)

    objects = NeedsRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("needs analysis request")
        verbose_name_plural = _("needs analysis requests")
        ordering = ["analysis", "person__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["analysis", "person"],
                name="needs_request_once_per_person",
                violation_error_message=_("This person was asked already this round."),
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, source="")
                | Q(answered_at__isnull=False) & ~Q(source=""),
                name="needs_request_answered_with_source",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.analysis}"

    def is_answered_by_person(self) -> bool:
        """The person answered themselves: nobody else sees or replaces their ratings."""
        return self.source == Source.SELF


class NeedsRatingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person's own ratings, and those the user entered for someone; never another
        person's own answers (managers read averages only: programs.needs.selectors)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(request__person=user) | Q(rated_by=user))


def rating_field(verbose_name, help_text):
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
        help_text=help_text,
    )


class NeedsRating(models.Model):
    """How important one goal is to a person and how able they are today, 1 to 5: once per
    person, goal and round."""

    request = models.ForeignKey(
        NeedsRequest,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("needs analysis request"),
    )
    goal = models.ForeignKey(
        LearningGoal,
        on_delete=models.CASCADE,
        related_name="needs_ratings",
        verbose_name=_("learning goal"),
    )
    importance = rating_field(
        _("importance"), _("1: hardly matters in my work · 5: essential in my work")
    )
    ability = rating_field(_("ability today"), _("1: cannot do it yet · 5: can do it fully"))
    source = models.CharField(_("rated by"), max_length=10, choices=Source.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    objects = NeedsRatingQuerySet.as_manager()
    # A person may change their answers while the round is open: every version stays.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs rating")
        verbose_name_plural = _("needs ratings")
        ordering = ["request", "goal"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "goal"],
                name="needs_rating_once_per_goal",
                violation_error_message=_("This goal is rated already for this person."),
            ),
            models.CheckConstraint(
                condition=Q(importance__gte=RATING_MIN, importance__lte=RATING_MAX)
                & Q(ability__gte=RATING_MIN, ability__lte=RATING_MAX),
                name="needs_rating_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.request.person} · {self.goal}: {self.importance}/{self.ability}"


class NeedsImportQuerySet(PreviewedImportQuerySet):
    def visible_to(self, user):
        """Imports into the rounds of programs the user manages."""
        return self.filter(analysis__in=NeedsAnalysis.objects.managed_by(user))


class NeedsImport(PreviewedImport):
    """A spreadsheet of ratings previewed for a round (see PreviewedImport)."""

    analysis = models.ForeignKey(
        NeedsAnalysis,
        on_delete=models.CASCADE,
        related_name="imports",
        verbose_name=_("needs analysis"),
    )
    imported_count = models.PositiveIntegerField(_("ratings imported"), default=0)

    objects = NeedsImportQuerySet.as_manager()

    class Meta(PreviewedImport.Meta):
        verbose_name = _("needs rating import")
        verbose_name_plural = _("needs rating imports")

    def __str__(self):
        return f"{self.analysis} {self.created_at:%Y-%m-%d %H:%M}"
