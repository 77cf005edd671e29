"""Coaching: feedback moments with levels and sign-offs, reflections and peer feedback.

Everything here is a dated fact: a level is never overwritten but assessed again, a
sign-off names who saw what and when, a locked feedback moment only gets addenda.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coaching.choices import EvaluationMoment, Shift
from programs.choices import EvaluationAudience, Level
from programs.models import (
    EVALUATION_QUESTION_LENGTH,
    MAX_REFLECTION_QUESTIONS,
    REFLECTION_QUESTION_LENGTH,
    ChecklistItem,
    Cohort,
    Enrolment,
    LearningGoal,
    Program,
    readable_q,
)
from werkplek.lib.text import (
    MaxCharactersValidator,
    NameValidator,
    bounded_text,
    length_check,
)
from werkplek.models import Organization

EDIT_WINDOW = datetime.timedelta(hours=24)
# The longest free texts, in characters: a feedback field holds a full page, a note (addendum,
# reaction, peer feedback) half of one, a reflection answer most of one.
FEEDBACK_TEXT_LENGTH = 5000
NOTE_LENGTH = 2000
REFLECTION_ANSWER_LENGTH = 4000
# A thank-you is a few sentences, not a review.
THANK_YOU_LENGTH = 500


class FeedbackMomentQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Feedback on enrolments the user reads in full; a former coach, their own.
        `within`: the user's access to one enrolment (see `readable_q`)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(readable_q(user, within=within) | Q(coach=user))

    def open_to_addenda_by(self, user):
        """Feedback the user may add a note to: any on the learners they coach now."""
        return self.filter(enrolment__in=Enrolment.objects.coached_by(user))


class FeedbackMoment(models.Model):
    """What a coach saw during one shift of a learner, recorded right after it."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="feedback_moments",
        verbose_name=_("enrolment"),
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="feedback_given",
        verbose_name=_("coach"),
    )
    occurred_on = models.DateField(_("date"))
    shift = models.CharField(_("shift"), max_length=20, choices=Shift.choices)
    shift_note = models.CharField(
        _("other shift"), max_length=100, blank=True, validators=[NameValidator()]
    )
    went_well = bounded_text(_("what went well"), max_length=FEEDBACK_TEXT_LENGTH, blank=True)
    to_improve = bounded_text(_("what can be better"), max_length=FEEDBACK_TEXT_LENGTH, blank=True)
    next_step = bounded_text(_("next step"), max_length=FEEDBACK_TEXT_LENGTH, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    # Moved on by every edit through a form (werkplek.lib.versions): no edit is lost.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = FeedbackMomentQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("feedback moment")
        verbose_name_plural = _("feedback moments")
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["enrolment", "-occurred_on"])]
        constraints = [
            length_check(name, FEEDBACK_TEXT_LENGTH, name=f"feedback_{name}_length")
            for name in ("went_well", "to_improve", "next_step")
        ]

    def __str__(self):
        return f"{self.enrolment.learner} · {formats.date_format(self.occurred_on)}"

    @property
    def locked_at(self) -> datetime.datetime:
        return self.created_at + EDIT_WINDOW

    def is_locked(self, now: datetime.datetime | None = None) -> bool:
        """After 24 hours a feedback moment is evidence: only addenda can follow."""
        return (now or timezone.now()) >= self.locked_at

    def can_be_edited_by(self, user) -> bool:
        """The one edit rule: the author, still the learner's coach, within 24 hours."""
        return (
            self.coach_id == user.pk
            and not self.is_locked()
            and self.enrolment.is_coached_now_by(user)
        )

    def shift_label(self) -> str:
        if self.shift == Shift.OTHER and self.shift_note:
            return self.shift_note
        return self.get_shift_display()


class GoalAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Levels the user may read; a former coach, those of their time and before."""
        return self.filter(
            readable_q(
                user,
                enrolment="feedback_moment__enrolment",
                dated="feedback_moment__occurred_on",
                within=within,
            )
        )


class GoalAssessment(models.Model):
    """The level a coach saw for one goal in one feedback moment: one dated row per change."""

    feedback_moment = models.ForeignKey(
        FeedbackMoment,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("feedback moment"),
    )
    goal = models.ForeignKey(
        LearningGoal,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("learning goal"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    objects = GoalAssessmentQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal assessment")
        verbose_name_plural = _("goal assessments")
        constraints = [
            # The level rides in the index: the levels of a few learners' moments are read
            # from it alone (coach home, attention list), not by scanning every assessment.
            models.UniqueConstraint(
                fields=["feedback_moment", "goal"],
                include=["level"],
                name="assessment_once_per_moment",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="assessment_level_in_scale"
            ),
        ]

    def __str__(self):
        return f"{self.goal}: {self.get_level_display()}"


class SignOffQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Sign-offs the user may read; a former coach, those of their time and before."""
        return self.filter(readable_q(user, dated="signed_on", within=within))


class SignOff(models.Model):
    """A coach's dated statement that they saw a checklist task done."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="sign_offs", verbose_name=_("enrolment")
    )
    checklist_item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="sign_offs",
        verbose_name=_("checklist item"),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sign_offs_given",
        verbose_name=_("signed off by"),
    )
    signed_on = models.DateField(_("signed off on"))
    level = models.PositiveSmallIntegerField(
        _("goal level at sign-off"), choices=Level.choices, null=True, blank=True
    )
    # A sign-off is evidence: a feedback moment with sign-offs cannot be deleted.
    feedback_moment = models.ForeignKey(
        FeedbackMoment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_offs",
        verbose_name=_("feedback moment"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = SignOffQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["-signed_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["feedback_moment", "checklist_item"], name="sign_off_once_per_moment"
            ),
            # Not nulls_distinct=False on the constraint above: that would let one learner's
            # sign-off outside feedback block every other learner's, and SQLite cannot hold it.
            models.UniqueConstraint(
                fields=["enrolment", "checklist_item"],
                condition=Q(feedback_moment__isnull=True),
                name="sign_off_once_outside_feedback",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=4),
                name="sign_off_level_in_scale",
            ),
        ]

    def __str__(self):
        return f"{self.checklist_item} · {formats.date_format(self.signed_on)}"


class FeedbackAddendumQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Addenda on visible feedback; a former coach, those written in their time."""
        return self.filter(
            readable_q(
                user,
                enrolment="feedback_moment__enrolment",
                dated="created_at",
                timestamp=True,
                within=within,
            ),
            feedback_moment__in=FeedbackMoment.objects.visible_to(user, within=within),
        )


class FeedbackAddendum(models.Model):
    """A later note on a locked feedback moment; the original stays as it was."""

    feedback_moment = models.ForeignKey(
        FeedbackMoment,
        on_delete=models.CASCADE,
        related_name="addenda",
        verbose_name=_("feedback moment"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("author")
    )
    text = bounded_text(_("addendum"), max_length=NOTE_LENGTH)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = FeedbackAddendumQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["created_at"]
        constraints = [length_check("text", NOTE_LENGTH, name="addendum_text_length")]

    def __str__(self):
        return self.text[:50]


class ReflectionQuerySet(models.QuerySet):
    def due(self):
        return self.filter(submitted_at__isnull=True)

    def next_due(self):
        """The reflection a learner answers next: the one due first."""
        return self.due().order_by("due_on", "pk").first()

    def done(self):
        return self.filter(submitted_at__isnull=False)

    def visible_to(self, user, *, within=None):
        """Reflections the user may read; a former coach, those handed in in their time."""
        return self.filter(readable_q(user, dated="submitted_at", timestamp=True, within=within))

    def open_to_reactions_by(self, user):
        """Written reflections of the learners the user coaches now."""
        return self.done().filter(enrolment__in=Enrolment.objects.coached_by(user))


def validate_answers(answers) -> None:
    """A reflection's answers as the form gives them: a list of at most as many questions as a
    program may ask, each a question and an answer of bounded length."""
    if not isinstance(answers, list) or len(answers) > MAX_REFLECTION_QUESTIONS:
        raise ValidationError(
            _("A reflection answers at most %(count)s questions.")
            % {"count": MAX_REFLECTION_QUESTIONS}
        )
    for answer in answers:
        if not (
            isinstance(answer, dict)
            and set(answer) == {"question", "answer"}
            and isinstance(answer["question"], str)
            and isinstance(answer["answer"], str)
            and len(answer["question"]) <= REFLECTION_QUESTION_LENGTH
        ):
            raise ValidationError(_("Each answer belongs to one question."))
        MaxCharactersValidator(REFLECTION_ANSWER_LENGTH)(answer["answer"])


class Reflection(models.Model):
    """A learner's answers to the program's questions, due after a feedback moment.

    The questions are stored with the answers, so later edits to the prompts never
    change what a learner answered.
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="reflections", verbose_name=_("enrolment")
    )
    feedback_moment = models.ForeignKey(
        FeedbackMoment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reflections",
        verbose_name=_("feedback moment"),
    )
    due_on = models.DateField(_("due on"))
    answers = models.JSONField(
        _("answers"), default=list, blank=True, validators=[validate_answers]
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # When a reminder first asked for it: a program that reminds "once after each feedback
    # moment" does not ask again (coaching.reminders).
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # Ticked by the learner on the form: their coach is nudged to read and react.
    asks_coach = models.BooleanField(_("question for the coach"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReflectionQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-due_on", "-created_at"]

    def __str__(self):
        return f"{self.enrolment.learner} · {formats.date_format(self.due_on)}"

    @property
    def is_done(self) -> bool:
        return self.submitted_at is not None

    @staticmethod
    def overdue_q(on: datetime.date) -> models.Q:
        """Not handed in and due before `on`: the one rule of an overdue reflection."""
        return models.Q(submitted_at__isnull=True, due_on__lt=on)

    def is_overdue_on(self, on: datetime.date) -> bool:
        return not self.is_done and self.due_on < on


class ReflectionReactionQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Reactions the user may read; a former coach, those written in their time."""
        return self.filter(
            readable_q(
                user,
                enrolment="reflection__enrolment",
                dated="created_at",
                timestamp=True,
                within=within,
            )
        )


class ReflectionReaction(models.Model):
    """A coach's answer to a learner's reflection."""

    reflection = models.ForeignKey(
        Reflection, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("reflection")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("author")
    )
    text = bounded_text(_("reaction"), max_length=NOTE_LENGTH)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ReflectionReactionQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        ordering = ["created_at"]
        constraints = [length_check("text", NOTE_LENGTH, name="reaction_text_length")]

    def __str__(self):
        return self.text[:50]


class PeerFeedbackQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Peer feedback the user may read: what was asked of them, and what was given on
        enrolments they read (a former coach: given in their time)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(requested_from=user)
            | readable_q(user, dated="given_at", timestamp=True, within=within)
        )

    def answerable_by(self, user):
        """Requests to the user that they have not answered yet, in running enrolments."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            requested_from=user, given_at__isnull=True, enrolment__in=Enrolment.objects.running()
        )


class PeerFeedback(models.Model):
    """Short feedback from a fellow learner of the same group on one goal, asked for first."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="peer_feedback",
        verbose_name=_("enrolment"),
    )
    goal = models.ForeignKey(
        LearningGoal,
        on_delete=models.PROTECT,
        related_name="peer_feedback",
        verbose_name=_("learning goal"),
    )
    requested_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="peer_feedback_requests",
        verbose_name=_("asked of"),
    )
    question = models.CharField(
        _("question"), max_length=300, blank=True, validators=[NameValidator()]
    )
    text = bounded_text(_("feedback"), max_length=NOTE_LENGTH, blank=True)
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)

    objects = PeerFeedbackQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("peer feedback")
        verbose_name_plural = _("peer feedback")
        ordering = ["-requested_at"]
        constraints = [length_check("text", NOTE_LENGTH, name="peer_feedback_text_length")]

    def __str__(self):
        return f"{self.requested_from} → {self.enrolment.learner}: {self.goal}"


class ThankYouNoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Thank-you notes the user received or sent, and all of those in the organisations
        they manage."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(coach=user)
            | Q(sender=user)
            | Q(organization__in=Organization.objects.managed_by(user))
        )


class ThankYouNote(models.Model):
    """A short thank-you from an L&D manager to a coach of their organisation."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="thank_you_notes",
        verbose_name=_("organisation"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="thank_you_notes_sent",
        verbose_name=_("sender"),
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="thank_you_notes_received",
        verbose_name=_("coach"),
    )
    text = bounded_text(_("thank-you note"), max_length=THANK_YOU_LENGTH)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    objects = ThankYouNoteQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thank-you note")
        verbose_name_plural = _("thank-you notes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["coach", "-created_at"])]
        constraints = [
            length_check("text", THANK_YOU_LENGTH, name="thank_you_text_length"),
            models.CheckConstraint(
                condition=~Q(sender=models.F("coach")), name="thank_you_not_to_oneself"
            ),
        ]

    def __str__(self):
        return f"{self.sender} → {self.coach} · {formats.date_format(self.created_at)}"


# A review's outcome is a short summary, not minutes: a few sentences.
REVIEW_OUTCOME_LENGTH = 1000
# The most reviews one enrolment can have planned: the list on its page stays short.
MAX_REVIEWS_PER_ENROLMENT = 12


class ProgressReviewQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Reviews of enrolments the user reads in full (the learner, their coach, the
        line manager of their team, the managers); a former coach, those planned in their time."""
        return self.filter(readable_q(user, dated="planned_on", within=within))

    def open_to_outcome_by(self, user):
        """Reviews whose outcome the user may record: not recorded yet, of a learner they are
        the current coach or the line manager of."""
        enrolments = Enrolment.objects.coached_now_by(user) | Enrolment.objects.led_by(user)
        return self.filter(outcome="", enrolment__in=enrolments)

    def open_to_comments_by(self, user):
        """Reviews the user may comment on: those of the enrolments they take part in as
        the learner, the current coach or the line manager of the learner's team."""
        if not user.is_authenticated:
            return self.none()
        enrolments = (
            Enrolment.objects.filter(learner=user)
            | Enrolment.objects.coached_now_by(user)
            | Enrolment.objects.led_by(user)
        )
        return self.filter(enrolment__in=enrolments)

    def held(self):
        return self.exclude(outcome="")

    def upcoming(self):
        return self.filter(outcome="")


class ProgressReview(models.Model):
    """A progress meeting (voortgangsgesprek) of the learner, their coach and their line
    manager, planned for a day of one enrolment; its short outcome is recorded afterwards."""

    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        related_name="progress_reviews",
        verbose_name=_("enrolment"),
    )
    planned_on = models.DateField(_("planned on"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    outcome = bounded_text(_("outcome"), max_length=REVIEW_OUTCOME_LENGTH, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ProgressReviewQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress review")
        verbose_name_plural = _("progress reviews")
        ordering = ["planned_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "planned_on"],
                name="progress_review_once_per_day",
                violation_error_message=_("A progress review is already planned on that day."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="", held_on__isnull=True, outcome_by__isnull=True)
                | (~Q(outcome="") & Q(held_on__isnull=False)),
                name="progress_review_outcome_with_date",
            ),
            length_check("outcome", REVIEW_OUTCOME_LENGTH, name="progress_review_outcome_length"),
        ]

    def __str__(self):
        return f"{self.enrolment.learner} · {formats.date_format(self.planned_on)}"

    @staticmethod
    def plannable_enrolments(user):
        """The one rule of who plans reviews: the current coach, or an L&D manager of the
        program, on a running enrolment."""
        return Enrolment.objects.coached_by(user) | Enrolment.objects.running().managed_by(user)

    @property
    def is_held(self) -> bool:
        return bool(self.outcome)

    def is_overdue_on(self, on: datetime.date) -> bool:
        """Its day has passed without an outcome recorded."""
        return not self.is_held and self.planned_on < on


class ProgressReviewCommentQuerySet(models.QuerySet):
    def visible_to(self, user, *, within=None):
        """Comments on the reviews the user reads; a former coach, those of their time."""
        return self.filter(
            readable_q(
                user,
                enrolment="review__enrolment",
                dated="created_at",
                timestamp=True,
                within=within,
            )
        )


class ProgressReviewComment(models.Model):
    """A participant's note on a progress review: the line manager's view, a question of
    the learner, a coach's addition; the outcome itself stays as it was recorded."""

    review = models.ForeignKey(
        ProgressReview,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("progress review"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("author")
    )
    text = bounded_text(_("comment"), max_length=NOTE_LENGTH)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ProgressReviewCommentQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comment on a progress review")
        verbose_name_plural = _("comments on progress reviews")
        ordering = ["created_at", "pk"]
        constraints = [length_check("text", NOTE_LENGTH, name="review_comment_text_length")]

    def __str__(self):
        return self.text[:50]


# An evaluation's open answer: a few sentences, like a note.
EVALUATION_ANSWER_LENGTH = NOTE_LENGTH
# The scale every evaluation statement is rated on, 1 (disagree) to 5 (agree): the score's
# validators and constraint, the form's choices and the results' counts all take it from here.
EVALUATION_SCALE = range(1, 6)


class ProgramEvaluationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """One's own evaluations, and those of the programs one manages (which the results
        page shows only together, without names, from the program's minimum number)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(respondent=user) | Q(cohort__program__in=Program.objects.managed_by(user))
        )


class ProgramEvaluation(models.Model):
    """One person's evaluation of a program: a learner's at the end (or halfway) of their
    enrolment, or a coach's of a group they coached in. The questions are stored with the
    answers, so later edits to the program's questions never change what was answered."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("group")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name=_("enrolment"),
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="program_evaluations",
        verbose_name=_("answered by"),
    )
    audience = models.CharField(_("asked of"), max_length=10, choices=EvaluationAudience.choices)
    moment = models.CharField(
        _("moment"), max_length=10, choices=EvaluationMoment.choices, default=EvaluationMoment.END
    )
    open_question = models.CharField(
        _("open question"), max_length=EVALUATION_QUESTION_LENGTH, blank=True
    )
    open_answer = bounded_text(_("open answer"), max_length=EVALUATION_ANSWER_LENGTH, blank=True)
    submitted_at = models.DateTimeField(_("answered at"), default=timezone.now)

    objects = ProgramEvaluationQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program evaluation")
        verbose_name_plural = _("program evaluations")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "moment"],
                condition=Q(enrolment__isnull=False),
                name="evaluation_once_per_enrolment_and_moment",
                violation_error_message=_("This evaluation has been answered already."),
            ),
            models.UniqueConstraint(
                fields=["cohort", "respondent"],
                condition=Q(audience=EvaluationAudience.COACH),
                name="evaluation_once_per_coach_and_group",
                violation_error_message=_("This evaluation has been answered already."),
            ),
            models.CheckConstraint(
                condition=Q(audience=EvaluationAudience.LEARNER, enrolment__isnull=False)
                | Q(
                    audience=EvaluationAudience.COACH,
                    enrolment__isnull=True,
                    moment=EvaluationMoment.END,
                ),
                name="evaluation_learner_of_an_enrolment_or_coach_of_a_group",
            ),
            length_check(
                "open_answer", EVALUATION_ANSWER_LENGTH, name="evaluation_open_answer_length"
            ),
        ]

    def __str__(self):
        return f"{self.respondent} · {self.cohort} · {self.get_moment_display()}"


class EvaluationScoreQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The ratings of the evaluations the user may read."""
        return self.filter(evaluation__in=ProgramEvaluation.objects.visible_to(user))


class EvaluationScore(models.Model):
    """One rating in a program evaluation, 1 (disagree) to 5 (agree), with its question as
    it was asked: the results count them per question."""

    evaluation = models.ForeignKey(
        ProgramEvaluation,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("program evaluation"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    question = models.CharField(_("question"), max_length=EVALUATION_QUESTION_LENGTH)
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[
            MinValueValidator(EVALUATION_SCALE[0]),
            MaxValueValidator(EVALUATION_SCALE[-1]),
        ],
    )

    objects = EvaluationScoreQuerySet.as_manager()
    # Every version with who saved it and when: the audit trail (werkplek.audit).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["evaluation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "position"], name="evaluation_score_once_per_question"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=EVALUATION_SCALE[0], score__lte=EVALUATION_SCALE[-1]),
                name="evaluation_score_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.score}"
