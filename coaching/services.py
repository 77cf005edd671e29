"""Every change in coaching: feedback, addenda, reflections, reactions and peer feedback."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from coaching import mails, skills
from coaching.attention import enrolment_statuses
from coaching.models import (
    MAX_REVIEWS_PER_ENROLMENT,
    FeedbackAddendum,
    FeedbackMoment,
    GoalAssessment,
    PeerFeedback,
    ProgressReview,
    ProgressReviewComment,
    Reflection,
    ReflectionReaction,
    SignOff,
    ThankYouNote,
)
from coaching.signals import feedback_recorded, reflection_submitted
from programs.choices import EndReason, ProgramStatus
from programs.models import ChecklistItem, Enrolment, LearningGoal, Pairing
from programs.services import enrolment_record_end, ensure_running
from werkplek import audit, outbox
from werkplek.choices import Role
from werkplek.lib.versions import claim_version
from werkplek.models import Membership, Organization, OutboxMessage, User

# A learner reflects within two days of a feedback moment.
REFLECTION_DUE_AFTER = datetime.timedelta(days=2)
FEEDBACK_TEXT_FIELDS = ("went_well", "to_improve", "next_step")


def _ensure_coach(enrolment: Enrolment, user: User) -> None:
    ensure_running(enrolment)
    # Asked of the database, not of a cached pairing: a handover may have come in between.
    if not Enrolment.objects.coached_by(user).filter(pk=enrolment.pk).exists():
        raise ValidationError(_("Only the learner's current coach can do this."))


def _check_moment(enrolment: Enrolment, occurred_on: datetime.date, today: datetime.date):
    if occurred_on > today:
        raise ValidationError(
            {
                "occurred_on": _(
                    "Feedback is about a shift that has happened: choose today or an earlier day."
                )
            }
        )
    if occurred_on < enrolment.started_on:
        raise ValidationError(
            {
                "occurred_on": _("The learner started on %(date)s; pick that day or later.")
                % {"date": enrolment.started_on.strftime("%d-%m-%Y")}
            }
        )


def _record_levels_and_sign_offs(moment, levels: dict[int, int], sign_off_items) -> None:
    """The moment's levels and sign-offs, recorded in the history as its coach's."""
    program_goals = {g.pk: g for g in moment.enrolment.cohort.program.goals.all()}
    unknown = set(levels) - set(program_goals)
    if unknown:
        raise ValidationError(_("A goal does not belong to this program."))
    bulk_create_with_history(
        [
            GoalAssessment(feedback_moment=moment, goal=program_goals[goal_pk], level=level)
            for goal_pk, level in levels.items()
        ],
        GoalAssessment,
        default_user=moment.coach,
    )
    for item in sign_off_items:
        if item.goal_id not in program_goals:
            raise ValidationError(_("A task does not belong to this program."))
    bulk_create_with_history(
        [
            SignOff(
                enrolment=moment.enrolment,
                checklist_item=item,
                signed_by=moment.coach,
                signed_on=moment.occurred_on,
                level=levels.get(item.goal_id),
                feedback_moment=moment,
            )
            for item in sign_off_items
        ],
        SignOff,
        default_user=moment.coach,
    )


@transaction.atomic
def feedback_moment_create(
    *,
    enrolment: Enrolment,
    actor: User,
    occurred_on: datetime.date,
    shift: str,
    shift_note: str = "",
    went_well: str = "",
    to_improve: str = "",
    next_step: str = "",
    levels: dict[int, int] | None = None,
    sign_off_items: Iterable[ChecklistItem] = (),
    today: datetime.date | None = None,
) -> FeedbackMoment:
    """Record a feedback moment with levels per practised goal and sign-offs.

    A reflection falls due for the learner. The coach (`actor`) is the acting user in the
    history.
    """
    levels = levels or {}
    sign_off_items = list(sign_off_items)
    _ensure_coach(enrolment, actor)
    _check_moment(enrolment, occurred_on, today or timezone.localdate())
    if not (levels or sign_off_items or any([went_well, to_improve, next_step])):
        raise ValidationError(_("Choose a practised goal, sign off a task or write what you saw."))
    moment = FeedbackMoment(
        enrolment=enrolment,
        coach=actor,
        occurred_on=occurred_on,
        shift=shift,
        shift_note=shift_note,
        went_well=went_well,
        to_improve=to_improve,
        next_step=next_step,
    )
    audit.acted_by(moment, actor)
    # The enrolment and the coach were just read (and checked above), and the model's only
    # constraints are its texts' lengths, which the fields' validators check here too (the
    # database holds them as well): asking the database again would cost the coach's save
    # eleven round trips, three savepoints for each length.
    moment.full_clean(exclude=["enrolment", "coach"], validate_constraints=False)
    moment.save()
    _record_levels_and_sign_offs(moment, levels, sign_off_items)
    reflection = Reflection(
        enrolment=enrolment, feedback_moment=moment, due_on=occurred_on + REFLECTION_DUE_AFTER
    )
    audit.acted_by(reflection, actor).save()
    feedback_recorded.send(sender=FeedbackMoment, enrolment_ids=[enrolment.pk])
    return moment


@transaction.atomic
def feedback_moment_update(
    *,
    moment: FeedbackMoment,
    actor: User,
    levels: dict[int, int] | None = None,
    sign_off_items: Iterable[ChecklistItem] = (),
    today: datetime.date | None = None,
    version: int | None = None,
    **fields,
) -> FeedbackMoment:
    """Correct a feedback moment: only its author (`actor`, the acting user in the history),
    only within 24 hours, and only from the version last saved (`version`, as the form
    showed it): never over someone's later save."""
    moment = FeedbackMoment.objects.select_for_update().get(pk=moment.pk)
    audit.acted_by(moment, actor)
    ensure_running(moment.enrolment)
    if not moment.can_be_edited_by(actor):
        if moment.coach_id == actor.pk and moment.is_locked():
            raise ValidationError(
                _("Feedback is locked 24 hours after it was recorded; add an addendum instead.")
            )
        raise ValidationError(_("Only the coach who wrote this feedback can change it."))
    allowed = {"occurred_on", "shift", "shift_note", *FEEDBACK_TEXT_FIELDS}
    if not set(fields) <= allowed:
        raise ValueError(f"only {sorted(allowed)} can be changed")
    for name, value in fields.items():
        setattr(moment, name, value)
    _check_moment(moment.enrolment, moment.occurred_on, today or timezone.localdate())
    moment.full_clean()
    claim_version(moment, seen=version)
    moment.save(update_fields=[*fields, "updated_at"])
    # One by one, so that each removal is in the history with its author (a handful).
    for row in [*moment.assessments.all(), *moment.sign_offs.all()]:
        audit.acted_by(row, actor).delete()
    _record_levels_and_sign_offs(moment, levels or {}, list(sign_off_items))
    for reflection in moment.reflections.filter(submitted_at__isnull=True):
        reflection.due_on = moment.occurred_on + REFLECTION_DUE_AFTER
        audit.acted_by(reflection, actor).save(update_fields=["due_on"])
    feedback_recorded.send(sender=FeedbackMoment, enrolment_ids=[moment.enrolment_id])
    return moment


@transaction.atomic
def feedback_addendum_create(*, moment: FeedbackMoment, actor: User, text: str):
    """Add a note to a feedback moment without changing what was recorded."""
    _ensure_coach(moment.enrolment, actor)
    addendum = FeedbackAddendum(feedback_moment=moment, author=actor, text=text.strip())
    audit.acted_by(addendum, actor)
    addendum.full_clean()
    addendum.save()
    return addendum


@transaction.atomic
def reflection_submit(
    *,
    actor: User,
    enrolment: Enrolment,
    answers: list[dict],
    now: datetime.datetime | None = None,
    reflection: Reflection | None = None,
    asks_coach: bool = False,
) -> Reflection:
    """Answer the oldest reflection that is due, or a new one when none is; with
    `reflection` (a reminder's link) that one, which must still be open: handing it in,
    locked, is what uses up every link to it. Only the learner reflects (from a reminder's
    link too: the link is theirs). `asks_coach`: the learner ticked "I have a question for
    my coach", which nudges the coach."""
    ensure_running(enrolment)
    if actor.pk != enrolment.learner_id:
        raise ValidationError(_("Only the learner can hand in their reflection."))
    if not any(answer["answer"].strip() for answer in answers):
        raise ValidationError(_("Answer at least one question."))
    now = now or timezone.now()
    if reflection is not None:
        reflection = enrolment.reflections.select_for_update().due().filter(pk=reflection.pk)
        reflection = reflection.first()
        if reflection is None:
            raise ValidationError(_("This reflection has been handed in already."))
    else:
        reflection = enrolment.reflections.select_for_update().next_due() or Reflection(
            enrolment=enrolment, due_on=timezone.localdate(now)
        )
    reflection.answers = [
        {"question": a["question"], "answer": a["answer"].strip()} for a in answers
    ]
    reflection.submitted_at = now
    reflection.asks_coach = asks_coach
    audit.acted_by(reflection, actor)
    reflection.full_clean()
    reflection.save()
    _nudge_for_help(reflection)
    reflection_submitted.send(sender=Reflection, enrolment_ids=[enrolment.pk])
    return reflection


# A reflection recorded with an earlier hand-in time (the demo's history) asks no one now.
HELP_NUDGE_WITHIN = datetime.timedelta(days=1)


def _nudge_for_help(reflection: Reflection) -> None:
    """A learner who ticked "I have a question for my coach" asks their coach: the coach is
    nudged, in the transaction that saves the reflection, once per reflection. The learner's
    own choice, not a guess from the text: an answer "nothing" to a help question asks
    nothing, and a program with its own questions can ask too."""
    pairing = reflection.enrolment.current_pairing
    if not reflection.asks_coach or pairing is None:
        return
    if reflection.submitted_at < timezone.now() - HELP_NUDGE_WITHIN:
        return
    outbox.enqueue(
        recipient=pairing.coach,
        kind=mails.HELP_ASKED,
        due_slot=f"reflection:{reflection.pk}",
        context={
            "reflection": reflection.pk,
            "enrolment": reflection.enrolment_id,
            "learner": reflection.enrolment.learner.name,
            "organizations": [reflection.enrolment.cohort.program.organization_id],
        },
    )


# The overdue nudge reads this many enrolments at a time (each batch in a fixed number of
# queries), so a large organisation never loads everything at once.
NUDGE_BATCH = 500


def coach_nudges_overdue_feedback(*, on: datetime.date) -> int:
    """Nudge the coach of every running enrolment whose feedback is overdue on `on` (the
    attention module's one definition), once per overdue episode: an episode is the
    enrolment since its last feedback moment, so the days after add nothing and feedback
    followed by a new gap nudges again. The nudge is due at the coach's next allowed moment
    (their time zone, quiet hours, working days, leave: the outbox's rule), so a coach on
    leave finds it when they are back. Answers how many nudges were written."""
    running = Enrolment.objects.running().select_related("learner", "cohort__program")
    ids = list(running.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(ids), NUDGE_BATCH):
        batch = running.filter(pk__in=ids[start : start + NUDGE_BATCH])
        statuses = enrolment_statuses(batch, on=on)
        overdue = {
            mails.overdue_slot(s.enrolment, s.last_feedback_on): s
            for s in statuses.values()
            if s.is_overdue and s.coach is not None
        }
        done = set(
            OutboxMessage.objects.filter(
                kind=mails.FEEDBACK_OVERDUE, due_slot__in=list(overdue)
            ).values_list("recipient", "due_slot")
        )
        new = {slot: s for slot, s in overdue.items() if (s.coach.pk, slot) not in done}
        if not new:
            continue
        with transaction.atomic():
            for slot, status in new.items():
                written += bool(
                    outbox.enqueue(
                        recipient=status.coach,
                        kind=mails.FEEDBACK_OVERDUE,
                        due_slot=slot,
                        context={
                            "enrolment": status.enrolment.pk,
                            "learner": status.enrolment.learner.name,
                            "program": status.enrolment.cohort.program.name,
                            "organizations": [status.enrolment.cohort.program.organization_id],
                        },
                    )
                )
    return written


# An expiry found this long after the day itself is not nudged about: a re-observation
# period set on an old task should not mail a backlog of expiries long past.
EXPIRY_NUDGE_GRACE = datetime.timedelta(days=30)


def sign_offs_due_for_expiry_nudge(*, on: datetime.date):
    """The sign-offs whose coach is nudged on `on`: the latest of a learner's task that is
    observed again after N days, from the day it becomes expiring (coaching.skills) until
    EXPIRY_NUDGE_GRACE after it expired, not nudged about yet (one condition per distinct
    period, so no date arithmetic in the database)."""
    periods = (
        ChecklistItem.objects.filter(reobserve_after_days__isnull=False)
        .order_by()
        .values_list("reobserve_after_days", flat=True)
        .distinct()
    )
    window = Q(pk__in=[])
    for days in periods:
        period = datetime.timedelta(days=days)
        window |= Q(
            checklist_item__reobserve_after_days=days,
            signed_on__lte=on + skills.EXPIRY_WARNING - period,
            signed_on__gt=on - period - EXPIRY_NUDGE_GRACE,
        )
    later = SignOff.objects.filter(
        Q(signed_on__gt=OuterRef("signed_on"))
        | Q(signed_on=OuterRef("signed_on"), pk__gt=OuterRef("pk")),
        enrolment__learner=OuterRef("enrolment__learner"),
        checklist_item=OuterRef("checklist_item"),
    )
    nudged = OutboxMessage.objects.filter(
        kind=mails.SIGN_OFF_EXPIRING, due_slot=Cast(OuterRef("pk"), CharField())
    )
    still_member = Membership.objects.current().filter(
        user=OuterRef("enrolment__learner"),
        organization=OuterRef("enrolment__cohort__program__organization"),
    )
    return (
        SignOff.objects.filter(window, Exists(still_member), enrolment__learner__is_active=True)
        .exclude(enrolment__cohort__program__status=ProgramStatus.ARCHIVED)
        .exclude(Exists(later))
        .exclude(Exists(nudged))
    )


def coach_nudges_expiring_sign_offs(*, on: datetime.date) -> int:
    """Nudge the current coach of each enrolment whose sign-off starts expiring (see
    `sign_offs_due_for_expiry_nudge`), once per expiry: the outbox key is the sign-off, so a
    run twice, or a coach who changed since, writes nothing more. Works in batches of
    NUDGE_BATCH sign-offs, each in a fixed number of queries. A sign-off without a current
    coach waits for one. Each nudge goes out at its coach's next allowed moment (the
    outbox's rule: werkplek.availability, checked again at delivery). Answers how many
    nudges were written."""
    due = sign_offs_due_for_expiry_nudge(on=on).select_related(
        "enrolment__learner", "enrolment__cohort__program", "checklist_item"
    )
    written, after = 0, 0
    while True:
        batch = list(due.filter(pk__gt=after).order_by("pk")[:NUDGE_BATCH])
        if not batch:
            return written
        after = batch[-1].pk
        coaches = {
            pairing.enrolment_id: pairing.coach
            for pairing in Pairing.objects.current(on=on)
            .filter(enrolment__in={s.enrolment_id for s in batch})
            .select_related("coach")
        }
        messages = [
            (
                coaches[sign_off.enrolment_id],
                str(sign_off.pk),
                {
                    "sign_off": sign_off.pk,
                    "enrolment": sign_off.enrolment_id,
                    "learner": sign_off.enrolment.learner.name,
                    "task": sign_off.checklist_item.title,
                    "expires_on": sign_off.checklist_item.expires_on(
                        sign_off.signed_on
                    ).isoformat(),
                    "organizations": [sign_off.enrolment.cohort.program.organization_id],
                },
            )
            for sign_off in batch
            if sign_off.enrolment_id in coaches
        ]
        with transaction.atomic():
            outbox.enqueue_many(kind=mails.SIGN_OFF_EXPIRING, messages=messages)
        written += len(messages)
        if len(batch) < NUDGE_BATCH:
            return written


@transaction.atomic
def reflection_react(*, reflection: Reflection, actor: User, text: str) -> ReflectionReaction:
    """A coach answers a learner's reflection."""
    _ensure_coach(reflection.enrolment, actor)
    if not reflection.is_done:
        raise ValidationError(_("This reflection has not been written yet."))
    reaction = ReflectionReaction(reflection=reflection, author=actor, text=text.strip())
    audit.acted_by(reaction, actor)
    reaction.full_clean()
    reaction.save()
    return reaction


@transaction.atomic
def peer_feedback_request(
    *, actor: User, enrolment: Enrolment, goal: LearningGoal, peer: User, question: str = ""
) -> PeerFeedback:
    """A learner (`actor`) asks a fellow learner of the same group for short feedback on one
    goal of their own enrolment."""
    if actor.pk != enrolment.learner_id:
        raise PermissionDenied
    ensure_running(enrolment)
    if goal.program_id != enrolment.cohort.program_id:
        raise ValidationError(_("Choose a goal of your own program."))
    same_group = enrolment.cohort.enrolments.active().filter(learner=peer)
    if peer == enrolment.learner or not same_group.exists():
        raise ValidationError(_("Ask someone from your own group."))
    request = PeerFeedback(enrolment=enrolment, goal=goal, requested_from=peer, question=question)
    audit.acted_by(request, actor)
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def peer_feedback_give(*, request: PeerFeedback, actor: User, text: str) -> PeerFeedback:
    """The asked learner writes their feedback; once given it stays as it is."""
    request = PeerFeedback.objects.select_for_update().get(pk=request.pk)
    ensure_running(request.enrolment)
    if actor.pk != request.requested_from_id:
        raise ValidationError(_("Only the colleague who was asked can answer."))
    if request.given_at:
        raise ValidationError(_("You already gave this feedback."))
    if not text.strip():
        raise ValidationError({"text": _("Write a few words of feedback.")})
    request.text = text.strip()
    request.given_at = timezone.now()
    audit.acted_by(request, actor).save(update_fields=["text", "given_at"])
    return request


@transaction.atomic
def enrolment_mark_independent(
    *, actor: User, enrolment: Enrolment, on: datetime.date | None = None
) -> Enrolment:
    """The learner's current coach or a manager ends the enrolment as *independent*, once
    every goal is at level 3 and every required task is signed off. The end date defaults
    to the day the last of those was met; a later day (not ahead of today) may be chosen."""
    enrolment = Enrolment.objects.select_related("learner", "cohort__program").get(pk=enrolment.pk)
    ensure_running(enrolment)
    if not Enrolment.objects.guided_by(actor).filter(pk=enrolment.pk).exists():
        raise ValidationError(_("Only the learner's coach or an L&D manager can do this."))
    today = timezone.localdate()
    reached = enrolment_statuses([enrolment], on=today)[enrolment.pk].independent_since
    if reached is None:
        raise ValidationError(
            _("%(name)s is not independent yet: every goal at level 3 and every task signed off.")
            % {"name": enrolment.learner}
        )
    on = on or reached
    if on < reached:
        raise ValidationError(
            {
                "on": _("Independence was reached on %(date)s; choose that day or later.")
                % {"date": reached.strftime("%d-%m-%Y")}
            }
        )
    return enrolment_record_end(
        actor=actor, enrolment=enrolment, reason=EndReason.INDEPENDENT, ended_on=on
    )


@transaction.atomic
def thank_you_note_create(
    *, actor: User, coach: User, organization: Organization, text: str
) -> ThankYouNote:
    """An L&D manager of `organization` thanks one of its coaches (never themself). The coach
    reads it on their own page and is told in the app and by mail, unless they turned that
    off; a double post of the form is caught by the form's one-time token."""
    if not organization.holds_role(actor, Role.MANAGER):
        raise ValidationError(_("Only an L&D manager of the organisation can do this."))
    if coach.pk == actor.pk:
        raise ValidationError(_("A thank-you goes to someone else."))
    if not organization.holds_role(coach, Role.COACH):
        raise ValidationError(
            _("%(name)s is not a coach in %(organization)s.")
            % {"name": coach.name, "organization": organization.name}
        )
    note = ThankYouNote(organization=organization, sender=actor, coach=coach, text=text.strip())
    audit.acted_by(note, actor)
    note.full_clean()
    note.save()
    outbox.enqueue(
        recipient=coach,
        kind=mails.THANK_YOU,
        due_slot=f"thank-you:{note.pk}",
        context={"note": note.pk, "sender": actor.name, "organizations": [organization.pk]},
    )
    return note


# --- Progress reviews -------------------------------------------------------------------

# The usual reviews: after two and four weeks, and on the target date.
DEFAULT_REVIEW_WEEKS = (2, 4)


def _ensure_may_plan(enrolment: Enrolment, actor: User) -> None:
    ensure_running(enrolment)
    if not ProgressReview.plannable_enrolments(actor).filter(pk=enrolment.pk).exists():
        raise ValidationError(_("Only the learner's coach or an L&D manager plans reviews."))


def _review_new(enrolment: Enrolment, planned_on: datetime.date, actor: User) -> ProgressReview:
    if planned_on < enrolment.started_on:
        raise ValidationError(
            {"planned_on": _("Plan the review on or after the start of the enrolment.")}
        )
    if enrolment.progress_reviews.count() >= MAX_REVIEWS_PER_ENROLMENT:
        raise ValidationError(
            _("An enrolment has at most %(count)s progress reviews.")
            % {"count": MAX_REVIEWS_PER_ENROLMENT}
        )
    review = audit.acted_by(ProgressReview(enrolment=enrolment, planned_on=planned_on), actor)
    review.full_clean()
    review.save()
    return review


@transaction.atomic
def progress_review_plan(
    *, actor: User, enrolment: Enrolment, planned_on: datetime.date
) -> ProgressReview:
    """Plan one progress review of a running enrolment, at most one a day; by its current
    coach or an L&D manager of its program."""
    _ensure_may_plan(enrolment, actor)
    return _review_new(enrolment, planned_on, actor)


def default_review_days(enrolment: Enrolment) -> list[datetime.date]:
    """The usual review days of an enrolment: weeks two and four after its start, and its
    target date; a day past the target date falls away."""
    days = [enrolment.started_on + datetime.timedelta(weeks=w) for w in DEFAULT_REVIEW_WEEKS]
    return sorted({day for day in days if day < enrolment.target_on} | {enrolment.target_on})


@transaction.atomic
def progress_reviews_plan_default(
    *, actor: User, enrolment: Enrolment, today: datetime.date | None = None
) -> list[ProgressReview]:
    """Plan the usual reviews that are not planned yet and still ahead (see
    `default_review_days`); running it twice plans nothing twice."""
    _ensure_may_plan(enrolment, actor)
    today = today or timezone.localdate()
    planned = set(enrolment.progress_reviews.values_list("planned_on", flat=True))
    days = [d for d in default_review_days(enrolment) if d >= today and d not in planned]
    if not days:
        raise ValidationError(
            _("The usual reviews are planned already, or their days have passed.")
        )
    return [_review_new(enrolment, day, actor) for day in days]


@transaction.atomic
def progress_review_record_outcome(
    *,
    actor: User,
    review: ProgressReview,
    outcome: str,
    held_on: datetime.date,
    today: datetime.date | None = None,
) -> ProgressReview:
    """Record what a review agreed, once: by the learner's current coach or the line
    manager of their team, on or after the day it was held."""
    # Asked of the database: someone else may have recorded it a moment ago.
    review = (
        ProgressReview.objects.select_for_update(of=("self",))
        .filter(pk=review.pk)
        .select_related("enrolment__learner")
        .first()
    )
    if review is None or review.is_held:
        raise ValidationError(_("The outcome of this review is recorded already."))
    if not ProgressReview.objects.open_to_outcome_by(actor).filter(pk=review.pk).exists():
        raise ValidationError(
            _("Only the learner's coach or line manager records the outcome of a review.")
        )
    if held_on > (today or timezone.localdate()):
        raise ValidationError({"held_on": _("A review cannot be held in the future.")})
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError({"outcome": _("Write what was agreed.")})
    review.outcome, review.held_on, review.outcome_by = outcome, held_on, actor
    audit.acted_by(review, actor)
    review.full_clean()
    review.save(update_fields=["outcome", "held_on", "outcome_by"])
    return review


@transaction.atomic
def progress_review_comment_create(
    *, actor: User, review: ProgressReview, text: str
) -> ProgressReviewComment:
    """Add a participant's comment to a progress review (the learner, their current coach
    or the line manager of their team); the outcome stays as recorded."""
    if not ProgressReview.objects.open_to_comments_by(actor).filter(pk=review.pk).exists():
        raise ValidationError(
            _("Only the learner, their coach and their line manager comment on a review.")
        )
    comment = ProgressReviewComment(review=review, author=actor, text=text.strip())
    audit.acted_by(comment, actor)
    comment.full_clean()
    comment.save()
    return comment
