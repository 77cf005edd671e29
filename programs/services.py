"""Every change to programs, goals, checklists, cohorts, enrolments and pairings."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from programs.choices import ProgramStatus
from programs.models import (
    ChecklistItem,
    Cohort,
    Enrolment,
    LearningGoal,
    Method,
    Pairing,
    Program,
    ReflectionPrompt,
)
from werkplek import services as werkplek_services
from werkplek.choices import Role
from werkplek.models import Membership, Organization, User

PROGRAM_FIELDS = {
    "name",
    "description",
    "business_objective",
    "owner",
    "duration_weeks",
    "feedback_every_days",
}
GOAL_FIELDS = {"title", "description", "success_criteria", "target_week"}
MAX_REFLECTION_QUESTIONS = 10
CHECKLIST_ITEM_FIELDS = {"title", "requires_sign_off"}


def _ensure_editable(program: Program) -> None:
    if program.is_archived:
        raise ValidationError(_("This program is archived and can no longer be changed."))


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
    *, organization: Organization, methods: Iterable[Method] = (), **fields
) -> Program:
    """Create a program as a draft in the organisation."""
    program = Program(organization=organization, status=ProgramStatus.DRAFT)
    _set_fields(program, fields, PROGRAM_FIELDS)
    program.full_clean()
    program.save()
    program.methods.set(methods)
    return program


@transaction.atomic
def program_update(*, program: Program, methods: Iterable[Method] | None = None, **fields):
    """Change a program's settings; archived programs are read-only."""
    _ensure_editable(program)
    changed = _set_fields(program, fields, PROGRAM_FIELDS)
    program.full_clean()
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
    program.save(update_fields=[*changed, "updated_at"])
    if methods is not None:
        program.methods.set(methods)
    return program


@transaction.atomic
def program_change_status(*, program: Program, status: str) -> Program:
    """Move a program along draft → pilot → active → archived."""
    if status not in program.next_statuses():
        raise ValidationError(
            _("A %(current)s program cannot become %(new)s.")
            % {
                "current": program.get_status_display(),
                "new": ProgramStatus(status).label if status in ProgramStatus.values else status,
            }
        )
    program.status = status
    program.save(update_fields=["status", "updated_at"])
    return program


@transaction.atomic
def program_duplicate(*, program: Program, name: str, owner: User) -> Program:
    """Copy a program's goals, checklists, methods, questions and settings; never its learners."""
    copy = program_create(
        organization=program.organization,
        methods=program.methods.all(),
        name=name,
        description=program.description,
        business_objective=program.business_objective,
        owner=owner,
        duration_weeks=program.duration_weeks,
        feedback_every_days=program.feedback_every_days,
    )
    copy.duplicated_from = program
    copy.save(update_fields=["duplicated_from"])
    goals = list(program.goals.prefetch_related("checklist_items"))
    new_goals = LearningGoal.objects.bulk_create(
        LearningGoal(
            program=copy,
            position=goal.position,
            title=goal.title,
            description=goal.description,
            success_criteria=goal.success_criteria,
            target_week=goal.target_week,
        )
        for goal in goals
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            goal=new_goal,
            position=item.position,
            title=item.title,
            requires_sign_off=item.requires_sign_off,
        )
        for goal, new_goal in zip(goals, new_goals, strict=True)
        for item in goal.checklist_items.all()
    )
    ReflectionPrompt.objects.bulk_create(
        ReflectionPrompt(program=copy, position=prompt.position, text=prompt.text)
        for prompt in program.reflection_prompts.all()
    )
    return copy


def _next_position(queryset) -> int:
    return (queryset.aggregate(last=Max("position"))["last"] or 0) + 1


def _move(item, siblings, direction: int) -> None:
    """Swap an item with its neighbour (direction -1 up, +1 down) and renumber all siblings."""
    ordered = list(siblings)
    index = ordered.index(item)
    target = index + direction
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, sibling in enumerate(ordered, start=1):
        sibling.position = position
    type(item).objects.bulk_update(ordered, ["position"])


@transaction.atomic
def goal_create(*, program: Program, **fields) -> LearningGoal:
    """Add a learning goal at the end of the program."""
    _ensure_editable(program)
    goal = LearningGoal(program=program, position=_next_position(program.goals))
    _set_fields(goal, fields, GOAL_FIELDS)
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_update(*, goal: LearningGoal, **fields) -> LearningGoal:
    """Change a goal's title, description, success criteria or target week."""
    _ensure_editable(goal.program)
    changed = _set_fields(goal, fields, GOAL_FIELDS)
    goal.full_clean()
    goal.save(update_fields=changed)
    return goal


@transaction.atomic
def goal_delete(*, goal: LearningGoal) -> None:
    """Remove a goal with its checklist, unless feedback already refers to it."""
    _ensure_editable(goal.program)
    try:
        goal.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("Feedback was already given on this goal, so it stays part of the history.")
        ) from error


@transaction.atomic
def goal_move(*, goal: LearningGoal, direction: int) -> None:
    """Move a goal one place up (-1) or down (+1)."""
    _ensure_editable(goal.program)
    _move(goal, goal.program.goals.select_for_update(), direction)


@transaction.atomic
def checklist_item_create(*, goal: LearningGoal, **fields) -> ChecklistItem:
    """Add an observable task at the end of a goal's checklist."""
    _ensure_editable(goal.program)
    item = ChecklistItem(goal=goal, position=_next_position(goal.checklist_items))
    _set_fields(item, fields, CHECKLIST_ITEM_FIELDS)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def checklist_item_update(*, item: ChecklistItem, **fields) -> ChecklistItem:
    """Change a task's text or whether a coach signs it off."""
    _ensure_editable(item.goal.program)
    changed = _set_fields(item, fields, CHECKLIST_ITEM_FIELDS)
    item.full_clean()
    item.save(update_fields=changed)
    return item


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem) -> None:
    """Remove a task, unless a coach already signed it off for someone."""
    _ensure_editable(item.goal.program)
    try:
        item.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("This task was already signed off, so it stays part of the history.")
        ) from error


@transaction.atomic
def checklist_item_move(*, item: ChecklistItem, direction: int) -> None:
    """Move a task one place up (-1) or down (+1) in its checklist."""
    _ensure_editable(item.goal.program)
    _move(item, item.goal.checklist_items.select_for_update(), direction)


@transaction.atomic
def reflection_prompts_set(*, program, questions: list[str]) -> list[ReflectionPrompt]:
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
    program.reflection_prompts.all().delete()
    return ReflectionPrompt.objects.bulk_create(prompts)


@transaction.atomic
def cohort_create(*, program: Program, name: str, starts_on: datetime.date, is_pilot=False):
    """Start a new group of learners in a program."""
    _ensure_editable(program)
    cohort = Cohort(program=program, name=name, starts_on=starts_on, is_pilot=is_pilot)
    cohort.full_clean()
    cohort.save()
    return cohort


def _check_coach(*, coach: User, organization: Organization, learner: User) -> None:
    if coach == learner:
        raise ValidationError(_("A learner cannot be their own coach."))
    is_coach = Membership.objects.filter(
        user=coach, organization=organization, is_coach=True
    ).exists()
    if not is_coach:
        raise ValidationError(_("%(name)s is not a coach in this organisation.") % {"name": coach})


@transaction.atomic
def pairing_set(*, enrolments: Iterable[Enrolment], coach: User, on: datetime.date) -> int:
    """Make `coach` the coach of each enrolment from `on` (or its start, if later); the
    pairing it replaces ends then, and stays as history."""
    changed = 0
    for enrolment in enrolments:
        _ensure_editable(enrolment.cohort.program)
        if enrolment.ended_on:
            raise ValidationError(
                _("%(name)s has ended this program.") % {"name": enrolment.learner}
            )
        _check_coach(
            coach=coach,
            organization=enrolment.cohort.program.organization,
            learner=enrolment.learner,
        )
        current = enrolment.pairings.select_for_update().filter(ended_on__isnull=True).first()
        if current and current.coach_id == coach.pk:
            continue
        # A pairing never starts before the enrolment, before the one it replaces or before
        # an earlier one ended; one that had not started yet ends on its first day. So the
        # pairings of an enrolment never overlap (PostgreSQL refuses overlap as well).
        if current:
            starts_on = max(on, current.started_on)
            current.ended_on = starts_on
            current.save(update_fields=["ended_on"])
        else:
            ended = enrolment.pairings.aggregate(last=Max("ended_on"))["last"]
            starts_on = max(on, enrolment.started_on, ended or enrolment.started_on)
        pairing = Pairing(enrolment=enrolment, coach=coach, started_on=starts_on)
        pairing.full_clean()
        pairing.save()
        changed += 1
    return changed


@transaction.atomic
def enrolment_create(
    *,
    cohort: Cohort,
    learner: User,
    started_on: datetime.date,
    coach: User | None = None,
    team: str = "",
) -> Enrolment:
    """Enrol a learner in a cohort (and so a program), optionally with a coach.

    The learner gets the learner role in the organisation if they did not have it.
    """
    program = cohort.program
    _ensure_editable(program)
    # The friendly message; the database refuses a second running enrolment in any case.
    if Enrolment.objects.active().filter(program=program, learner=learner).exists():
        raise ValidationError(
            _("%(name)s is already enrolled in this program.") % {"name": learner}
        )
    werkplek_services.membership_add_role(
        user=learner, organization=program.organization, role=Role.LEARNER, team=team
    )
    enrolment = Enrolment(
        cohort=cohort,
        program=program,
        learner=learner,
        started_on=started_on,
        target_on=Enrolment.target_for(started_on, program),
    )
    enrolment.full_clean()
    enrolment.save()
    if coach:
        pairing_set(enrolments=[enrolment], coach=coach, on=started_on)
    return enrolment


def invitation_send(*, user: User, program: Program, site_url: str) -> None:
    """E-mail a new learner a link to choose a password, in their own language."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "program": program, "link": site_url.rstrip("/") + path}
    with translation.override(user.language):
        werkplek_services.email_enqueue(
            to=[user.email],
            subject=_("You are invited to %(program)s") % {"program": program.name},
            body=render_to_string("programs/email/invitation.txt", context),
            html_body=render_to_string("programs/email/invitation.html", context),
        )


@transaction.atomic
def enrolment_import(*, cohort: Cohort, rows: list, site_url: str) -> list[Enrolment]:
    """Enrol every checked row, all or nothing; people new to the organisation get an
    invitation on commit (with a link to choose a password).

    `rows` come from `programs.imports.check_rows` and must carry no errors.
    """
    if any(row.errors for row in rows):
        raise ValidationError(_("Fix the rows with errors before importing."))
    coaches = {
        user.email: user
        for user in User.objects.filter(email__in={row.coach_email for row in rows})
    }
    enrolments = []
    for row in rows:
        learner = User.objects.filter(email=row.email).first()
        if learner is None:
            learner = User.objects.create_user(
                row.email, None, name=row.name, language=cohort.program.organization.language
            )
        if row.is_new_user:
            invitation_send(user=learner, program=cohort.program, site_url=site_url)
        enrolments.append(
            enrolment_create(
                cohort=cohort,
                learner=learner,
                started_on=datetime.date.fromisoformat(row.started_on),
                coach=coaches.get(row.coach_email),
                team=row.team,
            )
        )
    return enrolments
