"""The manager's weekly digest: one mail per L&D manager per week, bundling every program
they manage (the attention list, progress, KPIs against target and overload), from Monday
07:00 in the manager's own time zone, or their next allowed moment after it (quiet hours,
working days, leave: `werkplek.availability`). Also an in-app notification.

The progress and KPI parts belong to the kpis app, which registers them here with
`register_digest_part` (coaching does not import kpis).
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple

from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.attention import attention_list
from programs.choices import ProgramStatus
from programs.models import Program
from programs.selectors import coach_loads
from werkplek import notifications, outbox
from werkplek.choices import Role
from werkplek.lib.urls import absolute_url
from werkplek.models import Membership, Organization, OutboxMessage, User
from werkplek.notifications import Notice
from werkplek.outbox import Rendered

DIGEST = "manager_digest"
# Monday 07:00 in the manager's time zone starts the week's digest.
DIGEST_WEEKDAY = 0
DIGEST_TIME = datetime.time(7, 0)
# Bounded mail: the most programs, and learners per program, the digest lists by name.
MAX_PROGRAMS = 20
ATTENTION_SHOWN = 10


class DigestPart(NamedTuple):
    """A section a higher app adds to every program of the digest: its two templates (HTML
    and text) and `load(programs) -> {program pk: context}` in a fixed number of queries."""

    html_template: str
    text_template: str
    load: Callable[[list[Program]], dict]


_parts: list[DigestPart] = []


def register_digest_part(part: DigestPart) -> None:
    """Called once from a higher app's AppConfig.ready."""
    _parts.append(part)


def digest_week(now: datetime.datetime, time_zone: str) -> str | None:
    """The ISO week whose digest is due at `now` for someone in `time_zone` ("2027-W13"):
    this week's once it is Monday 07:00 there. None in the hours before that on Monday
    (last week's went out last week). A week whose Monday the beat missed is still sent
    when it runs again; the unique key keeps it to one."""
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone))
    if local.weekday() == DIGEST_WEEKDAY and local.time() < DIGEST_TIME:
        return None
    year, week, _weekday = local.isocalendar()
    return f"{year}-W{week:02d}"


def digests_enqueue_due(*, now: datetime.datetime | None = None) -> int:
    """Write this week's digest for every L&D manager whose Monday 07:00 has passed and who
    has none yet (the beat job); answers how many were written. A fixed number of reads
    whatever the number of managers, plus one write per new digest."""
    now = now or timezone.now()
    managers = _managers_with_programs()
    due = {}
    for manager in managers:
        week = digest_week(now, manager.time_zone)
        if week:
            due[manager] = week
    done = set(
        OutboxMessage.objects.filter(kind=DIGEST, due_slot__in=set(due.values())).values_list(
            "recipient", "due_slot"
        )
    )
    written = 0
    for manager, week in due.items():
        if (manager.pk, week) not in done:
            # A digest still waiting for its manager (on leave) is outdone by this week's,
            # which shows the same lists as they stand now: one digest on return, not three.
            OutboxMessage.objects.filter(
                kind=DIGEST, recipient=manager, status=OutboxMessage.Status.QUEUED
            ).update(status=OutboxMessage.Status.CANCELLED)
            written += bool(
                outbox.enqueue(recipient=manager, kind=DIGEST, due_slot=week, context={})
            )
    return written


def _managers_with_programs():
    """Active L&D managers of an organisation with at least one program that is not archived."""
    organizations = Program.objects.exclude(status=ProgramStatus.ARCHIVED).values("organization")
    managing = Membership.objects.with_role(Role.MANAGER).filter(organization__in=organizations)
    return User.objects.filter(is_active=True, pk__in=managing.values("user")).only(
        "pk", "time_zone"
    )


def _overload(organizations: list[Organization], statuses: list) -> dict:
    """Who has too much: learners whose running programs together plan more hours a week
    than their organisation allows, and coaches with more learners than their capacity (the
    capacity rule of `Membership.is_over_capacity`)."""
    learners = {}
    for status in statuses:
        if status.is_overloaded:
            learners.setdefault(status.enrolment.learner_id, status)
    coaches = [
        membership
        for organization in organizations
        # The database narrows to those over capacity; the model's rule decides.
        for membership in coach_loads(organization).filter(
            coach_capacity__isnull=False, active_learners__gt=F("coach_capacity")
        )[:ATTENTION_SHOWN]
        if membership.is_over_capacity
    ]
    return {"learners": list(learners.values()), "coaches": coaches}


def digest_content(manager: User, *, on: datetime.date) -> dict | None:
    """What the manager's digest says on `on`, or None when they manage no running program."""
    programs = list(
        Program.objects.managed_by(manager)
        .exclude(status=ProgramStatus.ARCHIVED)
        .select_related("organization")
        .order_by("organization__name", "name", "pk")[:MAX_PROGRAMS]
    )
    if not programs:
        return None
    statuses = attention_list(manager, on=on)
    by_program = defaultdict(list)
    for status in statuses:
        by_program[status.enrolment.cohort.program_id].append(status)
    loaded = [(part, part.load(programs)) for part in _parts]
    sections = [
        {
            "program": program,
            "attention": by_program[program.pk][:ATTENTION_SHOWN],
            "attention_total": len(by_program[program.pk]),
            "parts": [
                {"part": part, "data": data.get(program.pk)}
                for part, data in loaded
                if data.get(program.pk)
            ],
        }
        for program in programs
    ]
    organizations = list({program.organization: None for program in programs})
    return {
        "manager": manager,
        "on": on,
        "sections": sections,
        "attention_total": len(statuses),
        "overload": _overload(organizations, statuses),
        "attention_url": absolute_url(reverse("coaching:attention")),
    }


def render_digest(message) -> Rendered | None:
    """The digest as it stands at delivery, in the manager's language and on their day;
    None when the manager turned the digest off since."""
    manager = message.recipient
    if not notifications.wants(manager, DIGEST):
        return None
    on = timezone.localdate(timezone=zoneinfo.ZoneInfo(manager.time_zone))
    context = digest_content(manager, on=on)
    if context is None:
        return None
    context["week"] = message.due_slot
    context["preferences_link"] = notifications.preferences_link(manager)
    return Rendered(
        subject=ngettext(
            "Your weekly digest: %(count)s learner needs attention",
            "Your weekly digest: %(count)s learners need attention",
            context["attention_total"],
        )
        % {"count": context["attention_total"]},
        text=render_to_string("coaching/email/digest.txt", context),
        html=render_to_string("coaching/email/digest.html", context),
        unsubscribe=notifications.unsubscribe_link(manager, DIGEST),
    )


def describe_digest(message) -> Notice:
    year, week = message.due_slot.split("-W")
    return Notice(
        title=_("Weekly digest, week %(week)s of %(year)s") % {"week": int(week), "year": year},
        url=reverse("coaching:attention"),
    )
