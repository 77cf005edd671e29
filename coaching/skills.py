"""The skills matrix, "who can do this now?": people × tasks of an organisation, each cell the
latest sign-off with its date, who signed it and whether it still counts.

- The tasks are the checklist items a coach signs off, of the organisation's programs that
  are not archived and that the viewer may read, grouped by program and goal; at most
  MAX_TASKS at once (a program or goal filter shows the others).
- The people are the current members of the organisation with an enrolment in those
  programs that the viewer may see (`EnrolmentQuerySet.skills_visible_to`: the one rule),
  a page at a time. A person's cell is their latest sign-off of the task in any of those
  enrolments (a second enrolment in the same program counts too).
- A sign-off of a task observed again after N days (`ChecklistItem.reobserve_after_days`)
  is current until N days after it was signed, expiring ("verloopt") in the last
  EXPIRY_WARNING of that and expired ("verlopen") from then on; without N it stays current.
- A task that fewer than MIN_CURRENT_PEOPLE of the people in view (the filters applied,
  every page) can do now — an expiring sign-off still counts — is vulnerable: one absence
  and nobody can do it.

The page costs the same number of queries for 5 people and for 200.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coaching.choices import Currency
from coaching.models import SignOff
from programs.choices import ProgramStatus
from programs.models import ChecklistItem, Enrolment, LearningGoal, Program
from werkplek.models import Membership, Organization, User

EXPIRY_WARNING = datetime.timedelta(days=14)
MIN_CURRENT_PEOPLE = 2
MAX_TASKS = 40
# The flag of a task fewer than MIN_CURRENT_PEOPLE can do now (a single point of failure).
VULNERABLE = gettext_lazy("Vulnerable: fewer than two")
PEOPLE_PER_PAGE = 25
# People per query when the whole matrix is exported.
EXPORT_BATCH = 500


def currency_of(expires_on: datetime.date | None, today: datetime.date) -> Currency:
    """The one rule of a sign-off's currency, from the day it stops counting (None: never)."""
    if expires_on is None or today < expires_on - EXPIRY_WARNING:
        return Currency.CURRENT
    if today < expires_on:
        return Currency.EXPIRING
    return Currency.EXPIRED


def organizations_for(user) -> list[Organization]:
    """The organisations whose skills matrix the user may open, by name: where they are an
    L&D manager, a coach or a line manager now."""
    return [
        membership.organization
        for membership in sorted(
            user.current_memberships, key=lambda membership: membership.organization.name
        )
        if membership.is_manager or membership.is_coach or membership.is_line_manager
    ]


def matrix_enrolments(viewer, organization, *, program: Program | None = None):
    """The enrolments the matrix is built from: those the viewer may see, in the
    organisation's programs that are not archived (or in `program`)."""
    enrolments = (
        Enrolment.objects.skills_visible_to(viewer)
        .filter(cohort__program__organization=organization)
        .exclude(cohort__program__status=ProgramStatus.ARCHIVED)
    )
    return enrolments.filter(cohort__program=program) if program else enrolments


def matrix_people(enrolments, organization):
    """The people of `enrolments` as their current membership of the organisation (it holds
    their team), by name: someone who left the organisation cannot do its tasks now."""
    return (
        Membership.objects.current()
        .filter(
            organization=organization, user__in=enrolments.values("learner"), user__is_active=True
        )
        .select_related("user")
        .order_by("user__name", "user__email", "pk")
    )


def matrix_programs(viewer, organization):
    """The programs the matrix may show: readable by the viewer, not archived."""
    return (
        Program.objects.visible_to(viewer)
        .filter(organization=organization)
        .exclude(status=ProgramStatus.ARCHIVED)
    )


def matrix_goals(viewer, organization):
    """The goals of those programs, each with its program (for the filter's labels)."""
    return (
        LearningGoal.objects.filter(program__in=matrix_programs(viewer, organization))
        .select_related("program")
        .order_by("program__name", "program", "position", "pk")
    )


def matrix_tasks(viewer, organization, *, program=None, goal=None):
    """The tasks of the matrix in the order it shows them: a coach signs them off."""
    tasks = ChecklistItem.objects.filter(
        goal__program__in=matrix_programs(viewer, organization), requires_sign_off=True
    )
    if program is not None:
        tasks = tasks.filter(goal__program=program)
    if goal is not None:
        tasks = tasks.filter(goal=goal)
    return tasks.select_related("goal__program").order_by(
        "goal__program__name", "goal__program", "goal__position", "goal", "position", "pk"
    )


@dataclass(frozen=True)
class Cell:
    """A person's latest sign-off of a task."""

    signed_on: datetime.date
    signed_by: str
    expires_on: datetime.date | None
    currency: Currency

    @property
    def is_current(self) -> bool:
        return self.currency != Currency.EXPIRED


@dataclass
class Task:
    """A column: a checklist item and how many of the people in view can do it now."""

    item: ChecklistItem
    current_people: int = 0

    @property
    def is_vulnerable(self) -> bool:
        return self.current_people < MIN_CURRENT_PEOPLE


@dataclass
class TaskGroup:
    """The columns of one goal, under one heading."""

    goal: LearningGoal
    tasks: list[Task] = field(default_factory=list)


@dataclass
class PersonRow:
    membership: Membership
    cells: list[Cell | None]

    @property
    def person(self) -> User:
        return self.membership.user


@dataclass
class SkillsMatrix:
    organization: Organization
    groups: list[TaskGroup]
    tasks: list[Task]
    more_tasks: bool  # more than MAX_TASKS: a filter shows the others
    page: Page
    rows: list[PersonRow]
    today: datetime.date

    @property
    def vulnerable_tasks(self) -> list[Task]:
        return [task for task in self.tasks if task.is_vulnerable]


def _current_q(items: Iterable[ChecklistItem], today: datetime.date) -> Q:
    """Sign-offs that still count today, for these tasks: one condition per distinct
    re-observation period (a handful), so no date arithmetic in the database."""
    by_days = defaultdict(list)
    for item in items:
        by_days[item.reobserve_after_days].append(item.pk)
    condition = Q(pk__in=[])
    for days, ids in by_days.items():
        if days is None:
            condition |= Q(checklist_item__in=ids)
        else:
            cutoff = today - datetime.timedelta(days=days)
            condition |= Q(checklist_item__in=ids, signed_on__gt=cutoff)
    return condition


def latest_cells(sign_offs, people_ids, tasks, today) -> dict[tuple[int, int], Cell]:
    """{(person id, task id): Cell} of the latest of `sign_offs` of each (one query)."""
    items = {item.pk: item for item in tasks}
    rows = (
        sign_offs.filter(enrolment__learner__in=people_ids, checklist_item__in=list(items))
        .order_by("-signed_on", "-created_at", "-pk")
        .values_list("enrolment__learner", "checklist_item", "signed_on", "signed_by__name")
    )
    cells = {}
    for person_id, item_id, signed_on, signed_by in rows:
        if (person_id, item_id) in cells:
            continue  # an older sign-off: the latest one is the cell
        expires_on = items[item_id].expires_on(signed_on)
        cells[person_id, item_id] = Cell(
            signed_on, signed_by, expires_on, currency_of(expires_on, today)
        )
    return cells


def _tasks(tasks_query) -> tuple[list[ChecklistItem], bool]:
    items = list(tasks_query[: MAX_TASKS + 1])
    return items[:MAX_TASKS], len(items) > MAX_TASKS


def skills_matrix(
    *,
    viewer,
    organization: Organization,
    people,
    program: Program | None = None,
    goal: LearningGoal | None = None,
    page_number=None,
    today: datetime.date,
) -> SkillsMatrix:
    """One page of the matrix for `viewer` (see the module): `people` are the memberships
    the filters left (`matrix_people`, filtered), `program` and `goal` narrow the tasks.
    A fixed number of queries, whatever the number of people and sign-offs."""
    enrolments = matrix_enrolments(viewer, organization, program=program)
    items, more_tasks = _tasks(matrix_tasks(viewer, organization, program=program, goal=goal))
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(page_number)
    memberships = list(page.object_list)
    sign_offs = SignOff.objects.filter(enrolment__in=enrolments)
    cells = latest_cells(sign_offs, [m.user_id for m in memberships], items, today)
    counts = dict(
        sign_offs.filter(_current_q(items, today), enrolment__learner__in=people.values("user"))
        .values("checklist_item")
        .annotate(people=Count("enrolment__learner", distinct=True))
        .values_list("checklist_item", "people")
    )
    tasks = [Task(item, counts.get(item.pk, 0)) for item in items]
    groups: list[TaskGroup] = []
    for task in tasks:
        if not groups or groups[-1].goal.pk != task.item.goal_id:
            groups.append(TaskGroup(task.item.goal))
        groups[-1].tasks.append(task)
    rows = [
        PersonRow(m, [cells.get((m.user_id, task.item.pk)) for task in tasks]) for m in memberships
    ]
    return SkillsMatrix(organization, groups, tasks, more_tasks, page, rows, today)


def export_rows(
    *, viewer, organization, people, program=None, goal=None, today: datetime.date
) -> Iterator[list]:
    """The whole filtered matrix as spreadsheet rows, the header first: a person's name and
    team, then for each task the page shows (at most MAX_TASKS) the sign-off's date, who
    signed it and its currency; a last row counts who can do each task now and flags the
    vulnerable ones. Every person, read EXPORT_BATCH at a time (a query per batch)."""
    enrolments = matrix_enrolments(viewer, organization, program=program)
    items, _more = _tasks(matrix_tasks(viewer, organization, program=program, goal=goal))
    sign_offs = SignOff.objects.filter(enrolment__in=enrolments)
    header = [_("Person"), _("Team")]
    for item in items:
        title = f"{item.goal.program.name} · {item.goal.title} · {item.title}"
        header += [title, _("Signed off by"), _("Status")]
    yield header
    counts = defaultdict(int)
    paginator = Paginator(people, EXPORT_BATCH)
    for number in paginator.page_range:
        memberships = list(paginator.page(number).object_list)
        cells = latest_cells(sign_offs, [m.user_id for m in memberships], items, today)
        for membership in memberships:
            row = [membership.user.name, membership.team]
            for item in items:
                cell = cells.get((membership.user_id, item.pk))
                if cell is None:
                    row += [None, None, _("not signed off")]
                    continue
                counts[item.pk] += cell.is_current
                row += [cell.signed_on, cell.signed_by, str(cell.currency.label)]
            yield row
    footer = [_("Can do it now"), None]
    for task in (Task(item, counts[item.pk]) for item in items):
        footer += [task.current_people, None, str(VULNERABLE) if task.is_vulnerable else None]
    yield footer
