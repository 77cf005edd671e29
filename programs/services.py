"""Every change to programs, goals, checklists, cohorts, enrolments and pairings."""

import datetime
from collections import Counter
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from programs import imports, mails, selectors
from programs.choices import EndReason, EvaluationAudience, ProgramStatus
from programs.models import (
    MAX_EVALUATION_QUESTIONS,
    MAX_REFLECTION_QUESTIONS,
    ChecklistItem,
    CoachProgram,
    CoachTraining,
    Cohort,
    Enrolment,
    EvaluationQuestion,
    Invitation,
    LearnerImport,
    LearningGoal,
    Method,
    Pairing,
    Program,
    ReflectionPrompt,
    may_coach_q,
    validate_plausible_date,
)
from programs.signals import enrolment_ended
from werkplek import audit, outbox
from werkplek import services as werkplek_services
from werkplek.choices import Role
from werkplek.lib.versions import claim_version
from werkplek.models import Membership, Organization, User

PROGRAM_FIELDS = {
    "name",
    "description",
    "business_objective",
    "owner",
    "duration_weeks",
    "feedback_every_days",
    "learning_hours_per_week",
    "reminder_rhythm",
    "reminder_weekdays",
    "reminder_time",
}
GOAL_FIELDS = {"title", "description", "success_criteria", "target_week"}
OVER_CAPACITY = "over_capacity"  # the error code a form answers with a confirmation box
CHECKLIST_ITEM_FIELDS = {"title", "requires_sign_off", "reobserve_after_days"}


def _ensure_editable(program: Program) -> None:
    if program.is_archived:
        raise ValidationError(_("This program is archived and can no longer be changed."))


def _lock_editable(program: Program) -> Program:
    """Lock the program's row and refuse if it is archived as stored now, not as it was
    loaded: an archiving saved in between is seen. Returns the locked row."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _ensure_editable(locked)
    return locked


def ensure_running(enrolment: Enrolment) -> None:
    """Refuse a write on an ended enrolment or one in an archived program."""
    _ensure_editable(enrolment.cohort.program)
    if enrolment.ended_on is not None:
        raise ValidationError(_("%(name)s has ended this program.") % {"name": enrolment.learner})


def _ensure_open(cohort: Cohort) -> None:
    # Asked of the database: the group may have been closed since the caller loaded it.
    if Cohort.objects.filter(pk=cohort.pk, closed_on__isnull=False).exists():
        raise ValidationError(_("This group is closed and takes no new learners."))


def ensure_takes_learners(cohort: Cohort) -> None:
    """Refuse new learners in a closed group or an archived program's: asked before an
    import is previewed, so that a preview never promises what confirm refuses."""
    _ensure_editable(cohort.program)
    _ensure_open(cohort)


def ensure_manager(actor: User, program: Program) -> None:
    """Refuse unless `actor` is an L&D manager of the program's organisation (programs and
    its needs analysis ask the same)."""
    if not Program.objects.managed_by(actor).filter(pk=program.pk).exists():
        raise ValidationError(_("Only an L&D manager of the organisation can do this."))


def _end_date(enrolment: Enrolment, ended_on: datetime.date) -> datetime.date:
    """The day an ending is recorded on: `ended_on`, checked. An enrolment that has not
    started yet (a newcomer who never came, a group called off) ends on its first day: it
    never ran, and no enrolment ends before it starts."""
    # An ending is recorded when it has happened: an enrolment runs until it is recorded,
    # so a date ahead would leave it running, and counting against capacity, past its end.
    today = timezone.localdate()
    if ended_on > today:
        raise ValidationError({"ended_on": _("Choose today or an earlier day.")})
    if enrolment.started_on > today:
        return enrolment.started_on
    if ended_on < enrolment.started_on:
        raise ValidationError(
            {
                "ended_on": _("%(name)s started on %(date)s; choose that day or later.")
                % {"name": enrolment.learner, "date": enrolment.started_on.strftime("%d-%m-%Y")}
            }
        )
    return ended_on


@transaction.atomic
def enrolment_record_end(
    *, actor: User, enrolment: Enrolment, reason: str, ended_on: datetime.date
) -> Enrolment:
    """Record that an enrolment ended on `ended_on` (its last day) and why, by `actor`.

    The one write of an ending: from then on the enrolment leaves the coach's list and
    capacity, and stays readable. Callers check who may end it for which reason.
    """
    enrolment = Enrolment.objects.select_for_update().select_related("learner").get(pk=enrolment.pk)
    ensure_running(enrolment)
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Choose why the enrolment ends.")})
    ended_on = _end_date(enrolment, ended_on)
    enrolment.ended_on, enrolment.end_reason, enrolment.ended_by = ended_on, reason, actor
    audit.acted_by(enrolment, actor)
    enrolment.full_clean()
    enrolment.save(update_fields=["ended_on", "end_reason", "ended_by"])
    enrolment_ended.send(sender=Enrolment, enrolment_ids=[enrolment.pk])
    return enrolment


@transaction.atomic
def enrolment_end(
    *, actor: User, enrolment: Enrolment, reason: str, ended_on: datetime.date
) -> Enrolment:
    """A manager ends an enrolment for a reason other than independence (left the
    organisation, stopped, moved to another program); independence is marked through
    `coaching.services.enrolment_mark_independent`, which checks that it was reached."""
    ensure_manager(actor, enrolment.cohort.program)
    if reason == EndReason.INDEPENDENT:
        raise ValidationError(
            {"reason": _("Mark a learner independent on their progress page, once it is reached.")}
        )
    return enrolment_record_end(actor=actor, enrolment=enrolment, reason=reason, ended_on=ended_on)


@transaction.atomic
def cohort_close(*, actor: User, cohort: Cohort, reason: str, ended_on: datetime.date) -> int:
    """A manager closes a group: every running enrolment in it ends on `ended_on` for
    `reason`, and the group takes no new learners. Returns how many enrolments ended."""
    ensure_manager(actor, cohort.program)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    _ensure_editable(cohort.program)
    _ensure_open(cohort)
    if reason == EndReason.INDEPENDENT:
        raise ValidationError(
            {"reason": _("Mark learners independent on their progress pages before closing.")}
        )
    # Each running enrolment checks the day against its own start; a group with none left
    # still closes on a day that has come, not in the future or another age.
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("Choose today or an earlier day.")})
    validate_plausible_date(ended_on)
    running = list(cohort.enrolments.filter(ended_on__isnull=True).select_related("learner"))
    for enrolment in running:
        enrolment_record_end(actor=actor, enrolment=enrolment, reason=reason, ended_on=ended_on)
    cohort.closed_on = ended_on
    audit.acted_by(cohort, actor)
    cohort.full_clean()
    cohort.save(update_fields=["closed_on"])
    return len(running)


def _check_owner(program: Program) -> None:
    if program.owner_id and not program.organization.holds_role(program.owner, Role.MANAGER):
        raise ValidationError({"owner": _("The owner must be an L&D manager of the organisation.")})


def _set_fields(instance, fields: dict, allowed: set) -> list[str]:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)
    return list(fields)


@transaction.atomic
def method_create(*, organization: Organization, name: str) -> Method:
    """Add an organisation's own learning method next to the built-in ones."""
    method = Method(organization=organization, name=name.strip())
    method.full_clean()
    method.save()
    return method


@transaction.atomic
def program_create(
    *, actor: User, organization: Organization, methods: Iterable[Method] = (), **fields
) -> Program:
    """Create a program as a draft in the organisation."""
    program = audit.acted_by(Program(organization=organization, status=ProgramStatus.DRAFT), actor)
    _set_fields(program, fields, PROGRAM_FIELDS)
    program.full_clean()
    _check_owner(program)
    program.save()
    program.methods.set(methods)
    return program


@transaction.atomic
def program_update(
    *,
    actor: User,
    program: Program,
    methods: Iterable[Method] | None = None,
    version: int | None = None,
    **fields,
):
    """Change a program's settings; archived programs are read-only; only from the version
    last saved (`version`, as the form showed it): never over someone's later save."""
    _lock_editable(program)
    audit.acted_by(program, actor)
    changed = _set_fields(program, fields, PROGRAM_FIELDS)
    program.full_clean()
    _check_owner(program)
    latest_goal_week = program.goals.aggregate(week=Max("target_week"))["week"] or 0
    if program.duration_weeks < latest_goal_week:
        raise ValidationError(
            {
                "duration_weeks": _(
                    "A learning goal has week %(week)s as its target; shorten that goal first."
                )
                % {"week": latest_goal_week}
            }
        )
    claim_version(program, seen=version)
    if methods is not None:
        _set_methods(program, methods)
    program.save(update_fields=[*changed, "updated_at"])
    return program


def _set_methods(program: Program, methods: Iterable[Method]) -> None:
    """Choose the methods without a history row of their own: the save that follows records
    them with the rest of the edit, as one change."""
    program.skip_history_when_saving = True
    try:
        program.methods.set(methods)
    finally:
        del program.skip_history_when_saving


@transaction.atomic
def program_change_status(*, actor: User, program: Program, status: str) -> Program:
    """Move a program along draft → pilot → active → archived, from its status as stored
    now; the version moves on, so an edit form opened before cannot save over the change."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    program.status, program.version = locked.status, locked.version
    if status not in ProgramStatus.values:
        raise ValidationError(_("Choose one of the statuses offered."))
    if status not in program.next_statuses():
        raise ValidationError(
            _("A %(current)s program cannot become %(new)s.")
            % {"current": program.get_status_display(), "new": ProgramStatus(status).label}
        )
    claim_version(program)
    program.status = status
    audit.acted_by(program, actor).save(update_fields=["status", "updated_at"])
    return program


@transaction.atomic
def program_duplicate(*, actor: User, program: Program, name: str, owner: User) -> Program:
    """Copy a program's goals, checklists, methods, questions and settings; never its learners."""
    copy = program_create(
        actor=actor,
        organization=program.organization,
        methods=program.methods.all(),
        name=name,
        description=program.description,
        business_objective=program.business_objective,
        owner=owner,
        duration_weeks=program.duration_weeks,
        feedback_every_days=program.feedback_every_days,
        learning_hours_per_week=program.learning_hours_per_week,
        reminder_rhythm=program.reminder_rhythm,
        reminder_weekdays=program.reminder_weekdays,
        reminder_time=program.reminder_time,
    )
    copy.duplicated_from = program
    audit.acted_by(copy, actor).save(update_fields=["duplicated_from"])
    goals = list(program.goals.prefetch_related("checklist_items"))
    new_goals = bulk_create_with_history(
        [
            LearningGoal(
                program=copy,
                position=goal.position,
                title=goal.title,
                description=goal.description,
                success_criteria=goal.success_criteria,
                target_week=goal.target_week,
            )
            for goal in goals
        ],
        LearningGoal,
        default_user=actor,
    )
    bulk_create_with_history(
        [
            ChecklistItem(
                goal=new_goal,
                position=item.position,
                title=item.title,
                requires_sign_off=item.requires_sign_off,
                reobserve_after_days=item.reobserve_after_days,
            )
            for goal, new_goal in zip(goals, new_goals, strict=True)
            for item in goal.checklist_items.all()
        ],
        ChecklistItem,
        default_user=actor,
    )
    bulk_create_with_history(
        [
            ReflectionPrompt(program=copy, position=prompt.position, text=prompt.text)
            for prompt in program.reflection_prompts.all()
        ],
        ReflectionPrompt,
        default_user=actor,
    )
    bulk_create_with_history(
        [
            EvaluationQuestion(
                program=copy,
                audience=question.audience,
                position=question.position,
                text=question.text,
                is_open=question.is_open,
            )
            for question in program.evaluation_questions.all()
        ],
        EvaluationQuestion,
        default_user=actor,
    )
    return copy


def _next_position(queryset) -> int:
    return (queryset.aggregate(last=Max("position"))["last"] or 0) + 1


def _reorder(item, siblings, direction: int) -> list:
    """Swap an item with its neighbour (direction -1 up, +1 down) and renumber all siblings;
    returns them, for the caller to save."""
    ordered = list(siblings)
    index = ordered.index(item)
    target = index + direction
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered, start=1):
        sibling.position = position
    return ordered


@transaction.atomic
def goal_create(*, actor: User, program: Program, **fields) -> LearningGoal:
    """Add a learning goal at the end of the program."""
    _ensure_editable(program)
    goal = LearningGoal(program=program, position=_next_position(program.goals))
    audit.acted_by(goal, actor)
    _set_fields(goal, fields, GOAL_FIELDS)
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_update(
    *, actor: User, goal: LearningGoal, version: int | None = None, **fields
) -> LearningGoal:
    """Change a goal's title, description, success criteria or target week; only from the
    version last saved (`version`, as the form showed it): never over someone's later save."""
    _lock_editable(goal.program)
    audit.acted_by(goal, actor)
    changed = _set_fields(goal, fields, GOAL_FIELDS)
    goal.full_clean()
    claim_version(goal, seen=version)
    goal.save(update_fields=changed)
    return goal


@transaction.atomic
def goal_delete(*, actor: User, goal: LearningGoal) -> None:
    """Remove a goal with its checklist, unless feedback already refers to it."""
    _ensure_editable(goal.program)
    try:
        audit.acted_by(goal, actor).delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Feedback was already given on this goal, so it stays part of the history.")
        ) from error


@transaction.atomic
def goal_move(*, actor: User, goal: LearningGoal, direction: int) -> None:
    """Move a goal one place up (-1) or down (+1)."""
    _ensure_editable(goal.program)
    goals = _reorder(goal, goal.program.goals.select_for_update(), direction)
    bulk_update_with_history(goals, LearningGoal, ["position"], default_user=actor)


@transaction.atomic
def checklist_item_create(
    *, goal: LearningGoal, actor: User | None = None, **fields
) -> ChecklistItem:
    """Add an observable task at the end of a goal's checklist."""
    _ensure_editable(goal.program)
    item = ChecklistItem(goal=goal, position=_next_position(goal.checklist_items))
    audit.acted_by(item, actor)
    _set_fields(item, fields, CHECKLIST_ITEM_FIELDS)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def checklist_item_update(
    *, item: ChecklistItem, actor: User | None = None, **fields
) -> ChecklistItem:
    """Change a task's text, whether a coach signs it off, or after how many days it is
    observed again."""
    _ensure_editable(item.goal.program)
    audit.acted_by(item, actor)
    changed = _set_fields(item, fields, CHECKLIST_ITEM_FIELDS)
    item.full_clean()
    item.save(update_fields=changed)
    return item


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem, actor: User | None = None) -> None:
    """Remove a task, unless a coach already signed it off for someone."""
    _ensure_editable(item.goal.program)
    try:
        audit.acted_by(item, actor).delete()
    except ProtectedError as error:
        raise ValidationError(
            _("This task was already signed off, so it stays part of the history.")
        ) from error


@transaction.atomic
def checklist_item_move(*, item: ChecklistItem, direction: int, actor: User | None = None) -> None:
    """Move a task one place up (-1) or down (+1) in its checklist."""
    _ensure_editable(item.goal.program)
    items = _reorder(item, item.goal.checklist_items.select_for_update(), direction)
    bulk_update_with_history(items, ChecklistItem, ["position"], default_user=actor)


@transaction.atomic
def reflection_prompts_set(
    *, program, questions: list[str], actor: User | None = None
) -> list[ReflectionPrompt]:
    """Replace a program's reflection questions; answers given earlier keep their questions."""
    _ensure_editable(program)
    questions = [q.strip() for q in questions if q.strip()]
    if not questions:
        raise ValidationError(_("Ask at least one question."))
    if len(questions) > MAX_REFLECTION_QUESTIONS:
        raise ValidationError(
            _("Ask at most %(max)s questions; a reflection should take minutes, not an hour.")
            % {"max": MAX_REFLECTION_QUESTIONS}
        )
    prompts = [
        ReflectionPrompt(program=program, position=position, text=text)
        for position, text in enumerate(questions, start=1)
    ]
    for prompt in prompts:
        prompt.full_clean()
    # One by one, so that each removal is in the history with its author (ten at most).
    for old in program.reflection_prompts.all():
        audit.acted_by(old, actor).delete()
    return bulk_create_with_history(prompts, ReflectionPrompt, default_user=actor)


def _evaluation_questions(
    program: Program, audience: str, statements: list[str], open_question: str
) -> list[EvaluationQuestion]:
    statements = [text.strip() for text in statements if text.strip()]
    label = EvaluationAudience(audience).label
    if not statements:
        raise ValidationError(
            _("Ask the %(audience)s at least one question to rate.") % {"audience": label}
        )
    if len(statements) > MAX_EVALUATION_QUESTIONS:
        raise ValidationError(
            _("Ask the %(audience)s at most %(max)s questions to rate: it should take minutes.")
            % {"audience": label, "max": MAX_EVALUATION_QUESTIONS}
        )
    questions = [
        EvaluationQuestion(program=program, audience=audience, position=position, text=text)
        for position, text in enumerate(statements, start=1)
    ]
    if open_question.strip():
        questions.append(
            EvaluationQuestion(
                program=program, audience=audience, text=open_question.strip(), is_open=True
            )
        )
    # Not the one-open-question constraint: the program's open question, if any, is edited
    # in place (_evaluation_questions_save), and the database holds the constraint too.
    for question in questions:
        question.full_clean(validate_constraints=False)
    return questions


@transaction.atomic
def evaluation_settings_set(
    *,
    program: Program,
    actor: User,
    learner_questions: list[str],
    learner_open_question: str,
    coach_questions: list[str],
    coach_open_question: str,
    evaluate_halfway: bool,
    min_answers: int,
) -> Program:
    """Set a program's evaluation: the questions its learners and its coaches rate from 1 to
    5 and their open question (evaluations given earlier keep the questions they answered),
    whether learners also answer halfway, and the fewest answers its results show from."""
    ensure_manager(actor, program)
    program = _lock_editable(program)
    questions = _evaluation_questions(
        program, EvaluationAudience.LEARNER, learner_questions, learner_open_question
    ) + _evaluation_questions(
        program, EvaluationAudience.COACH, coach_questions, coach_open_question
    )
    before = (program.evaluate_halfway, program.evaluation_min_answers)
    program.evaluate_halfway, program.evaluation_min_answers = evaluate_halfway, min_answers
    program.full_clean()
    if (evaluate_halfway, min_answers) != before:
        audit.acted_by(program, actor).save(
            update_fields=["evaluate_halfway", "evaluation_min_answers", "updated_at"]
        )
    _evaluation_questions_save(program, questions, actor)
    return program


def _evaluation_questions_save(program: Program, wanted: list[EvaluationQuestion], actor):
    """Make the program's questions `wanted`, in place: a question asked before keeps its
    row (moved if its position changed), a changed one is edited, only the rest is added or
    removed; so an unchanged save writes no history. One by one, each change in the history
    with its author (twenty at most)."""
    old = {}
    for question in program.evaluation_questions.order_by("position", "pk"):
        old.setdefault((question.audience, question.is_open), []).append(question)
    changed = []
    for question in wanted:
        same = old.get((question.audience, question.is_open), [])
        match = next((q for q in same if q.text == question.text), None)
        if match is not None:
            old[(question.audience, question.is_open)].remove(match)
            if match.position != question.position:
                match.position = question.position
                audit.acted_by(match, actor).save(update_fields=["position"])
        else:
            changed.append(question)
    added = []
    for question in changed:
        rest = old.get((question.audience, question.is_open), [])
        if rest:
            row = rest.pop(0)
            row.text, row.position = question.text, question.position
            audit.acted_by(row, actor).save(update_fields=["text", "position"])
        else:
            added.append(question)
    for rest in old.values():
        for question in rest:
            audit.acted_by(question, actor).delete()
    bulk_create_with_history(added, EvaluationQuestion, default_user=actor)


@transaction.atomic
def cohort_create(
    *,
    program: Program,
    name: str,
    starts_on: datetime.date,
    is_pilot=False,
    actor: User | None = None,
):
    """Start a new group of learners in a program."""
    _ensure_editable(program)
    cohort = Cohort(program=program, name=name, starts_on=starts_on, is_pilot=is_pilot)
    audit.acted_by(cohort, actor)
    cohort.full_clean()
    cohort.save()
    return cohort


def _check_coach(*, coach: User, program: Program, learner: User | None) -> None:
    if coach == learner:
        raise ValidationError(_("A learner cannot be their own coach."))
    if not program.organization.holds_role(coach, Role.COACH):
        raise ValidationError(_("%(name)s is not a coach in this organisation.") % {"name": coach})
    # The manager named the programs this coach may coach: a rule, not a warning.
    if not User.objects.filter(pk=coach.pk).filter(may_coach_q(program, coach="pk")).exists():
        raise ValidationError(
            {
                "coach": _(
                    "%(name)s may not coach %(program)s: their coach profile names other programs."
                )
                % {"name": coach.name, "program": program.name}
            }
        )


def _check_capacity(*, coach: User, organization: Organization, new: int) -> None:
    """Refuse `new` more learners for a coach at capacity; suggest team mates with room."""
    # Lock the coach's membership, so two managers pairing at once cannot both pass.
    Membership.objects.select_for_update().filter(user=coach, organization=organization).get()
    loads = {load.user_id: load for load in selectors.coach_loads(organization)}
    load = loads[coach.pk]
    if load.has_room_for(new):
        return
    message = _(
        "%(name)s guides %(active)s learners with a capacity of %(capacity)s; "
        "%(new)s more would exceed it."
    ) % {
        "name": coach.name,
        "active": load.active_learners,
        "capacity": load.coach_capacity,
        "new": new,
    }
    suggestions = [
        _("%(name)s (%(free)s free)") % {"name": other.user.name, "free": other.room_left()}
        if other.room_left() is not None
        else _("%(name)s (no limit)") % {"name": other.user.name}
        for other in loads.values()
        # The full coach never qualifies: they have no room for `new`.
        if other.team == load.team and other.has_room_for(new)
    ]
    if suggestions:
        message += " " + _("Coaches in %(team)s with room: %(names)s.") % {
            "team": load.team or _("the same team"),
            "names": ", ".join(suggestions),
        }
    raise ValidationError({"coach": ValidationError(message, code=OVER_CAPACITY)})


@transaction.atomic
def pairing_set(
    *,
    enrolments: Iterable[Enrolment],
    coach: User,
    on: datetime.date,
    allow_over_capacity: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> int:
    """Make `coach` the coach of each enrolment from `on` (or its start, if later); the
    pairing it replaces ends then, and stays as history. A coach at capacity takes more
    learners only when the manager confirmed it (`allow_over_capacity`)."""
    to_pair = []
    new_per_organization = Counter()
    for enrolment in enrolments:
        ensure_running(enrolment)
        organization = enrolment.cohort.program.organization
        _check_coach(coach=coach, program=enrolment.cohort.program, learner=enrolment.learner)
        latest = enrolment.pairings.select_for_update().filter(ended_on__isnull=True).first()
        if not (latest and latest.coach_id == coach.pk):
            to_pair.append((enrolment, latest))
            new_per_organization[organization] += 1
    if not allow_over_capacity:
        # Capacity counts per organisation, so each one's learners are weighed where they are.
        for organization, new in new_per_organization.items():
            _check_capacity(coach=coach, organization=organization, new=new)
    for enrolment, latest in to_pair:
        # A pairing never starts before the enrolment, before the one it replaces or before
        # an earlier one ended; one that had not started yet ends on its first day. So the
        # pairings of an enrolment never overlap (PostgreSQL refuses overlap as well).
        if latest:
            starts_on = max(on, latest.started_on)
            latest.ended_on = starts_on
            audit.acted_by(latest, actor, reason=reason).save(update_fields=["ended_on"])
        else:
            ended = enrolment.pairings.aggregate(last=Max("ended_on"))["last"]
            starts_on = max(on, enrolment.started_on, ended or enrolment.started_on)
        pairing = Pairing(enrolment=enrolment, coach=coach, started_on=starts_on)
        audit.acted_by(pairing, actor, reason=reason)
        pairing.full_clean()
        pairing.save()
    return len(to_pair)


@transaction.atomic
def enrolment_create(
    *,
    cohort: Cohort,
    learner: User,
    started_on: datetime.date,
    coach: User | None = None,
    team: str = "",
    allow_over_capacity: bool = False,
    actor: User | None = None,
    reason: str = "",
) -> Enrolment:
    """Enrol a learner in a cohort (and so a program), optionally with a coach, by `actor`
    (`reason` says how, when not by hand: an import or an accepted invitation).

    The learner gets the learner role in the organisation if they did not have it.
    """
    program = cohort.program
    _ensure_editable(program)
    _ensure_open(cohort)
    # The friendly message; the database refuses a second running enrolment in any case.
    if Enrolment.objects.active().filter(program=program, learner=learner).exists():
        raise ValidationError(
            _("%(name)s is already enrolled in this program.") % {"name": learner}
        )
    werkplek_services.membership_add_role(
        user=learner,
        organization=program.organization,
        role=Role.LEARNER,
        team=team,
        actor=actor,
        reason=reason,
    )
    enrolment = Enrolment(
        cohort=cohort,
        program=program,
        learner=learner,
        started_on=started_on,
        target_on=Enrolment.target_for(started_on, program),
    )
    audit.acted_by(enrolment, actor, reason=reason)
    enrolment.full_clean()
    enrolment.save()
    if coach:
        pairing_set(
            enrolments=[enrolment],
            coach=coach,
            on=started_on,
            allow_over_capacity=allow_over_capacity,
            actor=actor,
            reason=reason,
        )
    return enrolment


def invitation_send(*, invitation: Invitation) -> None:
    """Queue the invitation's e-mail in the outbox, in this transaction: once per invitation,
    sent after the commit even when the broker is down now (the sweep), rendered when it is
    delivered (programs.mails)."""
    outbox.enqueue(
        recipient=None,
        address=invitation.email,
        kind=mails.INVITATION,
        due_slot=str(invitation.pk),
        context={"invitation": invitation.pk},
    )


@transaction.atomic
def enrolment_import(
    *, cohort: Cohort, rows: list, invited_by: User, allow_over_capacity=False
) -> tuple[list[Enrolment], list[Invitation]]:
    """Enrol the organisation's own people and invite everyone new to it, all or nothing.

    `rows` come from `programs.imports.check_rows` and must carry no errors; rows skipped as
    already in the group are left alone. Coaches the preview showed going over capacity take
    the learners only with `allow_over_capacity`.
    """
    if any(row.errors for row in rows):
        raise ValidationError(_("Fix the rows with errors before importing."))
    if not allow_over_capacity and imports.capacity_warnings(rows, cohort):
        raise ValidationError(_("Confirm that coaches may go over their capacity."))
    people = {user.email: user for user in User.objects.filter(email__in={r.email for r in rows})}
    coaches = {
        user.email: user
        for user in User.objects.filter(email__in={row.coach_email for row in rows})
    }
    enrolments, invitations = [], []
    for row in rows:
        if row.is_skipped:
            continue  # already in this group
        started_on = datetime.date.fromisoformat(row.started_on)
        coach = coaches.get(row.coach_email)
        if row.is_new_user:
            invitations.append(
                invitation_create(
                    cohort=cohort,
                    email=row.email,
                    name=row.name,
                    team=row.team,
                    coach=coach,
                    started_on=started_on,
                    invited_by=invited_by,
                )
            )
            continue
        enrolments.append(
            enrolment_create(
                cohort=cohort,
                learner=people[row.email],
                started_on=started_on,
                coach=coach,
                team=row.team,
                allow_over_capacity=True,
                actor=invited_by,
                reason=audit.IMPORT,
            )
        )
    return enrolments, invitations


class AlreadyImported(Exception):
    """This previewed list was imported before: nothing is written twice."""


@transaction.atomic
def learner_import_create(*, cohort: Cohort, rows: list, actor: User) -> LearnerImport:
    """A manager's checked list, kept until its preview is confirmed: only the rows to import,
    none with an error (what PostgreSQL could not store, such as a NUL, never gets this far).
    Previews left unconfirmed for a day are removed on the way. A group that cannot take the
    learners (closed, or its program archived) is refused here, before the preview offers
    to import."""
    ensure_manager(actor, cohort.program)
    ensure_takes_learners(cohort)
    if any(row.errors for row in rows):
        raise ValidationError(_("Fix the rows with errors before importing."))
    LearnerImport.objects.stale().delete()
    return LearnerImport.objects.create(
        cohort=cohort,
        rows=[row.as_dict() for row in rows if not row.is_skipped],
        created_by=actor,
    )


@transaction.atomic
def learner_import_confirm(
    *,
    learner_import: LearnerImport,
    rows: list,
    actor: User,
    allow_over_capacity=False,
) -> tuple[list[Enrolment], list[Invitation]]:
    """Import a previewed list once: the first confirm claims it, any later or simultaneous
    one raises AlreadyImported. If the import fails, the claim is rolled back with it.

    `rows` are the preview's rows checked again by `programs.imports.check_rows`; `actor`
    manages the group.
    """
    ensure_manager(actor, learner_import.cohort.program)
    # A conditional UPDATE: a second confirm at the same moment waits for this row's lock,
    # then finds imported_at set and claims nothing.
    now = timezone.now()
    claimed = LearnerImport.objects.filter(pk=learner_import.pk, imported_at__isnull=True).update(
        imported_at=now
    )
    if not claimed:
        raise AlreadyImported
    enrolments, invitations = enrolment_import(
        cohort=learner_import.cohort,
        rows=rows,
        invited_by=actor,
        allow_over_capacity=allow_over_capacity,
    )
    learner_import.imported_at = now
    learner_import.enrolled_count = len(enrolments)
    learner_import.invited_count = len(invitations)
    # The people are now in the group; the list itself need not be kept.
    learner_import.rows = []
    learner_import.save(update_fields=["imported_at", "enrolled_count", "invited_count", "rows"])
    return enrolments, invitations


@transaction.atomic
def invitation_create(
    *,
    cohort: Cohort,
    email: str,
    name: str,
    started_on: datetime.date,
    invited_by: User,
    team: str = "",
    coach: User | None = None,
) -> Invitation:
    """Invite someone new to the organisation into a group, and e-mail them the link."""
    _ensure_editable(cohort.program)
    _ensure_open(cohort)
    if coach is not None:
        _check_coach(coach=coach, program=cohort.program, learner=None)
    invitation = Invitation(
        cohort=cohort,
        email=email.strip().lower(),
        name=name.strip(),
        team=team,
        coach=coach,
        started_on=started_on,
        invited_by=invited_by,
    )
    audit.acted_by(invitation, invited_by)
    invitation.full_clean()
    invitation.save()
    invitation_send(invitation=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Enrolment:
    """The invited person joins: they become a learner of the organisation, enrolled in the
    group with the coach the manager chose (the manager confirmed capacity at import). A
    coach who may no longer coach the program is left out rather than the learner refused:
    the group page and the attention list show the learner without a coach."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been accepted."))
    if user.email != invitation.email:
        raise ValidationError(_("This invitation is for another e-mail address."))
    coach = invitation.coach
    if coach is not None:
        try:
            _check_coach(coach=coach, program=invitation.cohort.program, learner=user)
        except ValidationError:
            coach = None
    enrolment = enrolment_create(
        cohort=invitation.cohort,
        learner=user,
        started_on=invitation.started_on,
        coach=coach,
        team=invitation.team,
        allow_over_capacity=True,
        # The manager who invited decided the enrolment; accepting carries it out.
        actor=invitation.invited_by or user,
        reason=audit.INVITATION,
    )
    invitation.accepted_at = timezone.now()
    invitation.enrolment = enrolment
    audit.acted_by(invitation, user, reason=audit.INVITATION)
    invitation.save(update_fields=["accepted_at", "enrolment"])
    return enrolment


@transaction.atomic
def invitation_accept_as_new(*, invitation: Invitation, name: str, password: str) -> Enrolment:
    """Someone without an account accepts: the account is made with the password they chose."""
    user = User.objects.create_user(
        invitation.email,
        password,
        name=name.strip(),
        language=invitation.cohort.program.organization.language,
    )
    return invitation_accept(invitation=invitation, user=user)


# --- Coach preparation ------------------------------------------------------------------

COACH_TRAINING_FIELDS = {"course", "provider", "completed_on", "valid_until"}


def _check_manager(*, actor: User, organization: Organization) -> None:
    if not organization.holds_role(actor, Role.MANAGER):
        raise ValidationError(_("Only an L&D manager of the organisation can do this."))


def _check_completed(training: CoachTraining) -> None:
    # A record is a fact: the course took place. A planned course is not recorded yet.
    if training.completed_on and training.completed_on > timezone.localdate():
        raise ValidationError(
            {"completed_on": _("Record a training once it is completed: this date is ahead.")}
        )


@transaction.atomic
def coach_training_record(
    *,
    actor: User,
    membership: Membership,
    course: str,
    completed_on: datetime.date,
    provider: str = "",
    valid_until: datetime.date | None = None,
) -> CoachTraining:
    """An L&D manager records a training a coach of their organisation completed."""
    organization = membership.organization
    _check_manager(actor=actor, organization=organization)
    if not organization.holds_role(membership.user, Role.COACH):
        raise ValidationError(
            _("%(name)s is not a coach in this organisation.") % {"name": membership.user}
        )
    training = CoachTraining(
        organization=organization,
        coach=membership.user,
        course=course,
        provider=provider,
        completed_on=completed_on,
        valid_until=valid_until,
        recorded_by=actor,
    )
    audit.acted_by(training, actor)
    _check_completed(training)
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def coach_training_update(*, actor: User, training: CoachTraining, **fields) -> CoachTraining:
    """An L&D manager corrects a training record; the version before stays in its history."""
    _check_manager(actor=actor, organization=training.organization)
    unknown = set(fields) - COACH_TRAINING_FIELDS
    if unknown:
        raise TypeError(f"coach_training_update() cannot change {sorted(unknown)}")
    for name, value in fields.items():
        setattr(training, name, value)
    _check_completed(training)
    training.full_clean()
    audit.acted_by(training, actor).save(update_fields=sorted(fields))
    return training


@transaction.atomic
def coach_training_remove(*, actor: User, training: CoachTraining) -> None:
    """An L&D manager removes a training record entered by mistake; its history keeps who
    removed it and when."""
    _check_manager(actor=actor, organization=training.organization)
    audit.acted_by(training, actor).delete()


@transaction.atomic
def coach_programs_set(*, actor: User, membership: Membership, programs: Iterable[Program]) -> None:
    """An L&D manager names the programs a coach may coach (none: every program of the
    organisation). Learners the coach guides now keep their coach: the rule is for new
    pairings. Archived programs named stay named: the form does not offer them, so their
    absence from `programs` is no choice."""
    organization = membership.organization
    _check_manager(actor=actor, organization=organization)
    wanted = {program.pk: program for program in programs}
    if any(program.organization_id != organization.pk for program in wanted.values()):
        raise ValidationError(_("Choose programs of this organisation."))
    current = {
        allowed.program_id: allowed
        for allowed in CoachProgram.objects.filter(
            coach=membership.user, program__organization=organization
        ).select_related("program")
    }
    for program_id, allowed in current.items():
        if program_id not in wanted and not allowed.program.is_archived:
            audit.acted_by(allowed, actor).delete()
    for program_id, program in wanted.items():
        if program_id not in current:
            allowed = CoachProgram(coach=membership.user, program=program)
            audit.acted_by(allowed, actor)
            allowed.full_clean()
            allowed.save()
