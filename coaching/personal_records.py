"""coaching's part of a person's data (see werkplek.personal_data): the feedback about them
with its levels, sign-offs and addenda, their reflections and the reactions to them, peer
feedback asked by or of them, thank-you notes a coach received or a manager sent, and the
program evaluations they answered."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coaching import mails
from coaching.models import (
    EvaluationScore,
    FeedbackAddendum,
    FeedbackMoment,
    GoalAssessment,
    PeerFeedback,
    ProgramEvaluation,
    ProgressReview,
    ProgressReviewComment,
    Reflection,
    ReflectionReaction,
    SignOff,
    ThankYouNote,
)
from programs.personal_records import enrolments_erased
from werkplek.models import OutboxMessage
from werkplek.personal_data import Erasing, Kind, Reader, register, rewrite, scrub

# The line manager of the learner's team reads their progress page, and so all of these.
AROUND_THE_LEARNER = frozenset(
    {Reader.PERSON, Reader.COACH, Reader.FORMER_COACH, Reader.MANAGER, Reader.LINE_MANAGER}
)
FEEDBACK_PURPOSE = _("To follow your progress towards working independently.")

KINDS = [
    Kind(
        name="feedback_moments",
        model=FeedbackMoment,
        about=("enrolment__learner",),
        columns=(
            "id",
            "enrolment__program__name",
            "occurred_on",
            "shift",
            "shift_note",
            "coach__name",
            "went_well",
            "to_improve",
            "next_step",
            "created_at",
            "updated_at",
        ),
        label=_("Feedback moments"),
        purpose=FEEDBACK_PURPOSE,
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="levels",
        model=GoalAssessment,
        about=("feedback_moment__enrolment__learner",),
        columns=("feedback_moment_id", "feedback_moment__occurred_on", "goal__title", "level"),
        label=_("Levels per learning goal"),
        purpose=FEEDBACK_PURPOSE,
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="sign_offs",
        model=SignOff,
        about=("enrolment__learner",),
        columns=(
            "checklist_item__goal__title",
            "checklist_item__title",
            "signed_on",
            "signed_by__name",
            "level",
            "feedback_moment_id",
            "created_at",
        ),
        label=_("Sign-offs"),
        purpose=_("The dated proof that a coach saw you do a task."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="addenda",
        model=FeedbackAddendum,
        about=("feedback_moment__enrolment__learner",),
        columns=("feedback_moment_id", "author__name", "text", "created_at"),
        label=_("Addenda to feedback"),
        purpose=FEEDBACK_PURPOSE,
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="reflections",
        model=Reflection,
        about=("enrolment__learner",),
        columns=("id", "feedback_moment_id", "due_on", "answers", "submitted_at", "created_at"),
        label=_("Reflections"),
        purpose=_("Your own view of your progress, for you and your coach."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="reactions",
        model=ReflectionReaction,
        about=("reflection__enrolment__learner",),
        columns=("reflection_id", "author__name", "text", "created_at"),
        label=_("Reactions to reflections"),
        purpose=_("Your coach's answer to your reflection."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="peer_feedback",
        model=PeerFeedback,
        about=("enrolment__learner", "requested_from"),
        columns=(
            "enrolment__learner__name",
            "requested_from__name",
            "goal__title",
            "question",
            "text",
            "requested_at",
            "given_at",
        ),
        label=_("Feedback from colleagues"),
        purpose=_("Feedback you asked of a fellow learner, or gave one."),
        readers=AROUND_THE_LEARNER | {Reader.PEER},
    ),
    Kind(
        name="thank_you_notes",
        model=ThankYouNote,
        about=("coach", "sender"),
        columns=("organization__name", "sender__name", "coach__name", "text", "created_at"),
        label=_("Thank-you notes"),
        purpose=_("Recognition of a coach's work, from an L&D manager to the coach."),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
    Kind(
        name="progress_reviews",
        model=ProgressReview,
        about=("enrolment__learner",),
        columns=(
            "id",
            "enrolment__program__name",
            "planned_on",
            "held_on",
            "outcome",
            "outcome_by__name",
            "created_at",
        ),
        label=_("Progress reviews"),
        purpose=_("The planned talks about your progress with your coach and line manager."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="progress_review_comments",
        model=ProgressReviewComment,
        about=("review__enrolment__learner", "author"),
        columns=("review_id", "review__planned_on", "author__name", "text", "created_at"),
        label=_("Comments on progress reviews"),
        purpose=_("What you, your coach and your line manager noted on a progress review."),
        readers=AROUND_THE_LEARNER,
    ),
    Kind(
        name="program_evaluations",
        model=ProgramEvaluation,
        about=("respondent",),
        columns=(
            "id",
            "cohort__program__name",
            "cohort__name",
            "audience",
            "moment",
            "open_question",
            "open_answer",
            "submitted_at",
        ),
        label=_("Program evaluations"),
        purpose=_(
            "To improve the program: L&D managers read the answers of a group together, "
            "without names, and only from a minimum number of answers."
        ),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
    Kind(
        name="program_evaluation_scores",
        model=EvaluationScore,
        about=("evaluation__respondent",),
        columns=("evaluation_id", "position", "question", "score"),
        label=_("Ratings in program evaluations"),
        purpose=_(
            "To improve the program: L&D managers read the answers of a group together, "
            "without names, and only from a minimum number of answers."
        ),
        readers=frozenset({Reader.PERSON, Reader.MANAGER}),
    ),
]

# The kinds of mail to coaches that name a learner in their context.
NAMING_THE_LEARNER = [mails.FEEDBACK_OVERDUE, mails.HELP_ASKED]


def erase(erasing: Erasing) -> None:
    """The texts about the person become "removed", in the rows and in every earlier version
    of them: feedback, addenda, reflections' answers (their questions stay), reactions, peer
    feedback, review outcomes and comments on reviews, evaluations' open answers (their
    ratings stay); so does the peer feedback the person
    wrote about someone else, and their name leaves the mails to their coaches; and the
    thank-you notes they received or sent. Dates, levels and sign-offs stay, so progress and
    counts do not change."""
    enrolments = enrolments_erased(erasing)
    removed = erasing.removed
    on_enrolments = Q(enrolment__in=enrolments)
    scrub(
        FeedbackMoment,
        on_enrolments,
        **dict.fromkeys(("went_well", "to_improve", "next_step", "shift_note"), removed),
    )
    scrub(FeedbackAddendum, Q(feedback_moment__enrolment__in=enrolments), text=removed)
    scrub(ReflectionReaction, Q(reflection__enrolment__in=enrolments), text=removed)
    scrub(ProgressReview, on_enrolments, outcome=removed)
    scrub(ProgressReviewComment, Q(review__enrolment__in=enrolments), text=removed)
    scrub(PeerFeedback, on_enrolments, question=removed, text=removed)
    if erasing.ended_before is None:
        # Their own words about a fellow learner: the other's record keeps the request.
        scrub(PeerFeedback, Q(requested_from=erasing.person), text=removed)
    rewrite(
        Reflection,
        on_enrolments & ~Q(answers=[]),
        lambda reflection: {
            "answers": [
                {**answer, "answer": removed if answer.get("answer") else ""}
                for answer in reflection.answers
            ]
        },
    )
    rewrite(
        OutboxMessage,
        Q(
            kind__in=NAMING_THE_LEARNER,
            context__enrolment__in=list(enrolments.values_list("pk", flat=True)),
        ),
        lambda message: {"context": {**message.context, "learner": erasing.anonymous_name}},
    )
    # An evaluation's open answer goes; its ratings stay (they carry no name), so the
    # program's results do not change.
    scrub(ProgramEvaluation, on_enrolments, open_answer=removed)
    if erasing.ended_before is None:
        _erase_thank_you_notes(erasing)
        scrub(ProgramEvaluation, Q(respondent=erasing.person), open_answer=removed)


def _erase_thank_you_notes(erasing: Erasing) -> None:
    """The texts of the notes the person received or sent become "removed", and a sender's
    name leaves the notifications of their notes. Person-level: retention leaves them to the
    erasure."""
    person = erasing.person
    scrub(ThankYouNote, Q(coach=person) | Q(sender=person), text=erasing.removed)
    sent = list(ThankYouNote.objects.filter(sender=person).values_list("pk", flat=True))
    rewrite(
        OutboxMessage,
        Q(kind=mails.THANK_YOU, context__note__in=sent),
        lambda message: {"context": {**message.context, "sender": erasing.anonymous_name}},
    )


def register_part() -> None:
    register("coaching", kinds=KINDS, erase=erase)
