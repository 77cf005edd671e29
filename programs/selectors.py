"""Reads for the program pages, each in a fixed number of queries."""

import datetime
from typing import NamedTuple

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from programs.choices import EvaluationAudience, ProgramStatus
from programs.models import (
    ChecklistItem,
    CoachProgram,
    CoachTraining,
    Cohort,
    Enrolment,
    EvaluationQuestion,
    Invitation,
    LearningGoal,
    Pairing,
    Program,
    ReflectionPrompt,
    may_coach_q,
    trained_q,
)
from werkplek import audit
from werkplek.choices import Role
from werkplek.models import Membership, Organization


def _count(queryset):
    """The number of rows of a correlated `queryset`, as an annotation (0 for none)."""
    return Coalesce(
        Subquery(queryset.order_by().values(n=Func("pk", function="COUNT"))),
        0,
    )


def program_list(user):
    """Programs the user may read, with owner, methods and the counts the list shows."""
    return (
        Program.objects.visible_to(user)
        .select_related("owner", "organization")
        .prefetch_related("methods")
        # Counted per listed program (subqueries), not by joining every program's goals to
        # all its enrolments before the page is cut: that join grew with the organisation.
        .annotate(
            goal_count=_count(LearningGoal.objects.filter(program=OuterRef("pk"))),
            active_learner_count=_count(
                Enrolment.objects.filter(cohort__program=OuterRef("pk"), ended_on__isnull=True)
            ),
        )
        .order_by("name", "pk")
    )


def program_detail(program_queryset, pk):
    """One program with its goals and checklists; its groups come paged from program_cohorts."""
    goals = LearningGoal.objects.prefetch_related(
        Prefetch("checklist_items", queryset=ChecklistItem.objects.order_by("position", "pk"))
    ).order_by("position", "pk")
    return (
        program_queryset.select_related("owner", "organization", "duplicated_from")
        .prefetch_related("methods", Prefetch("goals", queryset=goals))
        .get(pk=pk)
    )


def program_cohorts(program):
    """A program's groups, newest first, each with its number of active learners."""
    return program.cohorts.annotate(
        learner_count=Count("enrolments", filter=Q(enrolments__ended_on__isnull=True))
    ).order_by("-starts_on", "name", "pk")


def cohort_enrolments(cohort):
    """A cohort's enrolments, running ones first, with the learner, their team and the
    current coach."""
    team = Membership.objects.filter(
        organization=cohort.program.organization_id, user=OuterRef("learner")
    ).values("team")[:1]
    current = Pairing.objects.current().select_related("coach")
    return (
        Enrolment.objects.filter(cohort=cohort)
        .select_related("learner", "cohort__program")
        .annotate(team=Subquery(team))
        .prefetch_related(Prefetch("pairings", queryset=current, to_attr="current_pairings"))
        .order_by(F("ended_on").desc(nulls_first=True), "learner__name", "pk")
    )


# The function that says where enrolments stand and why they need attention. It lives in
# coaching (it needs feedback, levels and sign-offs), which registers it in its apps.py, so
# that the group page shows the same status as the coach's and manager's lists without
# programs importing coaching.
_status_function = None


def register_enrolment_statuses(function) -> None:
    """Called once by coaching's AppConfig.ready with coaching.attention.group_statuses."""
    global _status_function  # noqa: PLW0603
    _status_function = function


def enrolment_statuses(enrolments, *, on) -> dict:
    """{enrolment pk: status} from the registered function (a fixed number of queries),
    or nothing if no app registered one. Enrolments come with learner and program loaded."""
    if _status_function is None:
        return {}
    return _status_function(enrolments, on=on)


def open_invitations(cohort):
    """People invited into the group who have not accepted yet, with the chosen coach."""
    return cohort.invitations.open().select_related("coach").order_by("name")


def active_learners(organization):
    """For a membership query: how many running enrolments of `organization` (an organisation
    or `OuterRef("organization")`) the member coaches now. The count that capacity is about."""
    pairings = (
        Pairing.objects.filter(
            coach=OuterRef("user"),
            ended_on__isnull=True,
            enrolment__ended_on__isnull=True,
            enrolment__cohort__program__organization=organization,
        )
        .exclude(enrolment__cohort__program__status=ProgramStatus.ARCHIVED)
        .values("coach")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(pairings), 0)


def coach_loads(organization: Organization, *, on: datetime.date | None = None):
    """The organisation's coaches with their team, capacity, number of active learners and
    whether they are trained (a training record that counts on `on`, default today)."""
    return (
        Membership.objects.with_role(Role.COACH)
        .filter(organization=organization)
        .select_related("user")
        .annotate(
            active_learners=active_learners(organization),
            is_trained=trained_q(on or timezone.localdate()),
        )
        .order_by("team", "user__name")
    )


def coach_candidates(program: Program, *, search: str = "", chosen=None):
    """The coaches of the program's organisation with their load (as coach_loads) and whether
    they may coach it, whose name or e-mail address holds `search`: the chosen coach first,
    then those with the fewest active learners. Callers slice it; the coach picker shows a
    handful, never the whole organisation."""
    coaches = coach_loads(program.organization).annotate(may_coach=may_coach_q(program))
    if search:
        coaches = coaches.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    chosen_first = Case(When(user_id=chosen, then=0), default=1) if chosen else Value(1)
    return coaches.order_by(chosen_first, "active_learners", "user__name", "pk")


DEFAULT_PROMPTS = [
    _("What went well?"),
    _("What will you do differently next time?"),
    _("What do you need help with?"),
]


def reflection_questions(program) -> list[str]:
    """The program's own questions, or the three every reflection starts from."""
    prompts = [p.text for p in ReflectionPrompt.objects.filter(program=program)]
    return prompts or [str(prompt) for prompt in DEFAULT_PROMPTS]


# What a program's evaluation asks until its manager sets its own questions.
DEFAULT_EVALUATION = {
    EvaluationAudience.LEARNER: (
        [
            _("The program helped me do my work."),
            _("My coach made time for me."),
            _("The feedback I got was useful."),
            _("I knew what I had to learn and by when."),
        ],
        _("What would you change in the program?"),
    ),
    EvaluationAudience.COACH: (
        [
            _("The program prepared the learners well for the work."),
            _("I had enough time to coach."),
            _("The learning goals and tasks fit the work on the floor."),
        ],
        _("What would you change in the program?"),
    ),
}


class EvaluationQuestions(NamedTuple):
    """What an evaluation asks: statements rated 1 to 5, and one open question (or none)."""

    statements: list[str]
    open_question: str


def evaluation_questions(program: Program, audience: str) -> EvaluationQuestions:
    """The program's own evaluation questions for learners or coaches, or the default set in
    the site's language: everyone who evaluates a program reads the same words, so the
    results count their answers together."""
    rows = list(EvaluationQuestion.objects.filter(program=program, audience=audience))
    if rows:
        return EvaluationQuestions(
            [row.text for row in rows if not row.is_open],
            next((row.text for row in rows if row.is_open), ""),
        )
    statements, open_question = DEFAULT_EVALUATION[EvaluationAudience(audience)]
    with translation.override(settings.LANGUAGE_CODE):
        return EvaluationQuestions([str(text) for text in statements], str(open_question))


# --- The audit trail's sources (werkplek.audit.trail) ----------------------------------

ENROLMENT_NAMES = Enrolment.objects.select_related("learner", "cohort__program")


def program_trail(program: Program) -> list[audit.Source]:
    """Changes to a program, its goals, their tasks, its reflection and evaluation questions
    (also those removed since)."""
    goals = LearningGoal.history.filter(program_id=program.pk)
    return [
        audit.Source(
            Program.history.filter(id=program.pk),
            hidden=frozenset({"organization"}),
            formats={"reminder_weekdays": audit.weekdays_label},
        ),
        audit.Source(goals, hidden=frozenset({"program", "position"})),
        audit.Source(
            ChecklistItem.history.filter(goal_id__in=goals.values("id")),
            hidden=frozenset({"position"}),
        ),
        audit.Source(
            ReflectionPrompt.history.filter(program_id=program.pk),
            hidden=frozenset({"program", "position"}),
        ),
        audit.Source(
            EvaluationQuestion.history.filter(program_id=program.pk),
            hidden=frozenset({"program", "position"}),
        ),
    ]


def goal_trail(goal: LearningGoal) -> list[audit.Source]:
    """Changes to a goal and its tasks."""
    return [
        audit.Source(LearningGoal.history.filter(id=goal.pk), hidden=frozenset({"program"})),
        audit.Source(
            ChecklistItem.history.filter(goal_id=goal.pk), hidden=frozenset({"goal", "position"})
        ),
    ]


def cohort_trail(cohort: Cohort) -> list[audit.Source]:
    """Changes to a group, its enrolments (start, end, status), their pairings, and who
    invited whom into it."""
    enrolments = Enrolment.history.filter(cohort_id=cohort.pk)
    return [
        audit.Source(Cohort.history.filter(id=cohort.pk), hidden=frozenset({"program"})),
        audit.Source(enrolments, hidden=frozenset({"cohort", "program"})),
        audit.Source(
            Pairing.history.filter(enrolment_id__in=enrolments.values("id")),
            keys={"enrolment": ENROLMENT_NAMES},
            name=("enrolment",),
        ),
        audit.Source(
            Invitation.history.filter(cohort_id=cohort.pk),
            hidden=frozenset({"cohort"}),
            keys={"enrolment": ENROLMENT_NAMES},
        ),
    ]


def enrolment_trail(enrolment_ids) -> list[audit.Source]:
    """Changes to enrolments (`enrolment_ids`: a queryset of their ids) and their pairings:
    the programs part of an enrolment's trail (coaching adds feedback and reflections)."""
    return [
        audit.Source(
            Enrolment.history.filter(id__in=enrolment_ids),
            hidden=frozenset({"program"}),
        ),
        audit.Source(
            Pairing.history.filter(enrolment_id__in=enrolment_ids),
            hidden=frozenset({"enrolment"}),
        ),
    ]


# --- Coach preparation ------------------------------------------------------------------

COACH_TRAININGS_PER_PAGE = 20
# The profile names this many of the programs a coach may coach; the rest as a number.
COACH_PROGRAMS_SHOWN = 12


def coach_memberships(user):
    """The coach profiles the user may read: every current coach of the organisations they
    manage, and their own. A manager also reaches the profile of someone who stopped coaching
    or left, while it has training records, to read, correct or remove them. Others' answer
    404."""
    if not user.is_authenticated:
        return Membership.objects.none()
    managed = Organization.objects.managed_by(user)
    has_records = Exists(
        CoachTraining.objects.filter(organization=OuterRef("organization"), coach=OuterRef("user"))
    )
    coaches = Membership.objects.with_role(Role.COACH).filter(
        Q(user=user) | Q(organization__in=managed)
    )
    former = Membership.objects.filter(has_records, organization__in=managed)
    return (coaches | former).select_related("user", "organization")


def coach_memberships_managed_by(user):
    """The coach profiles the user may change: the coaches of the organisations they manage."""
    return coach_memberships(user).filter(organization__in=Organization.objects.managed_by(user))


def coach_trainings(membership: Membership):
    """The coach's training records in the membership's organisation, latest first."""
    return CoachTraining.objects.filter(
        organization=membership.organization_id, coach=membership.user_id
    ).select_related("recorded_by")


def coach_programs(membership: Membership):
    """The programs the coach may coach in the membership's organisation (none: all)."""
    return (
        CoachProgram.objects.filter(
            coach=membership.user_id, program__organization=membership.organization_id
        )
        .select_related("program")
        .order_by("program__name", "pk")
    )


def coach_load(membership: Membership, *, on: datetime.date) -> Membership:
    """The membership again with `active_learners` and `is_trained` (as coach_loads), also
    when its person no longer coaches."""
    return (
        Membership.objects.filter(pk=membership.pk)
        .select_related("user")
        .annotate(
            active_learners=active_learners(membership.organization),
            is_trained=trained_q(on),
        )
        .get()
    )


def is_trained(coach, organization: Organization, *, on: datetime.date) -> bool:
    """Whether the coach has a training record that counts on `on` in `organization`."""
    return CoachTraining.objects.current(on).filter(coach=coach, organization=organization).exists()


def coach_trail(membership: Membership) -> list[audit.Source]:
    """Changes to a coach's training records and to the programs they may coach, in the
    membership's organisation: who recorded, corrected or removed what, and when."""
    return [
        audit.Source(
            CoachTraining.history.filter(
                organization_id=membership.organization_id, coach_id=membership.user_id
            ),
            hidden=frozenset({"organization", "coach", "recorded_by"}),
            name=("course",),
        ),
        audit.Source(
            CoachProgram.history.filter(
                coach_id=membership.user_id, program__organization=membership.organization_id
            ),
            hidden=frozenset({"coach"}),
            name=("program",),
        ),
    ]
