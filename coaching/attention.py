"""The one definition of "needs attention", used by the manager's attention list, the coach's
learners, the group page and (later) reminders and KPIs.

`enrolment_statuses` loads in a fixed number of queries what it needs for any number of
enrolments; `EnrolmentStatus.reasons` lists why a running enrolment needs someone to act,
most urgent first (the order of `AttentionReason`). The manager's list, which spans whole
organisations, takes each learner's levels from a precomputed standing (the roll-up's,
registered by a higher app) where it is up to date, so it does not read their whole history.
"""

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from coaching.choices import AttentionReason, Pace
from coaching.models import FeedbackMoment, Reflection, SignOff
from coaching.progress import (
    Projection,
    SignOffs,
    independence_reached,
    project_independence,
    working_days_between,
)
from coaching.selectors import current_levels_by_enrolment
from programs.choices import ProgramStatus
from programs.models import ChecklistItem, Enrolment, LearningGoal, Pairing, Program
from programs.selectors import active_learners
from werkplek.models import Membership, User

URGENCY = {reason: rank for rank, reason in enumerate(AttentionReason)}


@dataclass
class EnrolmentStatus:
    """Where one enrolment stands on a day, and why it needs attention (if it does)."""

    enrolment: Enrolment
    coach: User | None
    last_feedback_on: datetime.date | None
    working_days_since: int
    goals_below_independent: int
    open_sign_offs: int
    reflections_overdue: int
    # None where the status came from a precomputed standing, which does not count them
    # (the manager's attention list, which does not show them).
    reflections_to_read: int | None
    projection: Projection
    independent_since: datetime.date | None
    coach_over_capacity: bool = False
    # The overload guard: planned hours a week of the learner's running programs in this
    # organisation together, and the organisation's maximum (None: no maximum set).
    learning_hours: Decimal | None = None
    max_learning_hours: Decimal | None = None
    reasons: list[AttentionReason] = field(default_factory=list)

    @property
    def is_overloaded(self) -> bool:
        """The learner's programs together plan more hours a week than the organisation allows."""
        return (
            self.max_learning_hours is not None
            and self.learning_hours is not None
            and self.learning_hours > self.max_learning_hours
        )

    @property
    def needs_attention(self) -> bool:
        return bool(self.reasons)

    @property
    def is_overdue(self) -> bool:
        return AttentionReason.FEEDBACK_OVERDUE in self.reasons

    @property
    def is_ready(self) -> bool:
        """Independence is reached and the enrolment still runs: offer "mark independent"."""
        return AttentionReason.READY in self.reasons

    @property
    def pace_says_more(self) -> bool:
        """Whether the pace adds to the reasons (not when they already say behind or ready)."""
        return not ({AttentionReason.BEHIND, AttentionReason.READY} & set(self.reasons))

    @property
    def urgency(self) -> tuple:
        """Sort key: the most urgent reason first, then the longest without feedback."""
        first = min((URGENCY[r] for r in self.reasons), default=len(URGENCY))
        return (first, -self.working_days_since, self.enrolment.learner.name)

    @property
    def action_label(self) -> str:
        """What the person following `action_url` does there."""
        top = self.reasons[0] if self.reasons else None
        if top in (AttentionReason.NO_COACH, AttentionReason.COACH_OVER_CAPACITY):
            return _("Pair a coach")
        if top == AttentionReason.READY:
            return _("Mark independent")
        return _("View progress")

    @property
    def action_url(self) -> str:
        """Where the most urgent reason is acted on: pairing on the group page, the rest on
        the progress page (which holds "mark independent")."""
        top = self.reasons[0] if self.reasons else None
        if top in (AttentionReason.NO_COACH, AttentionReason.COACH_OVER_CAPACITY):
            return reverse("programs:cohort-detail", args=[self.enrolment.cohort_id])
        url = reverse("coaching:progress", args=[self.enrolment.pk])
        if top == AttentionReason.READY:
            return url + "#independence"
        if top == AttentionReason.REFLECTIONS_OVERDUE:
            return url + "#reflections"
        return url


@dataclass(frozen=True)
class Standing:
    """Where an enrolment stood on a day as a precomputed row says, with the counts it was
    computed from: a row whose counts differ from today's data is stale and not used."""

    feedback_moments: int
    last_feedback_on: datetime.date | None
    sign_offs_done: int
    sign_offs_required: int
    goals: int
    goals_independent: int
    independent_since: datetime.date | None
    pace: str
    reflections_overdue: int


_standing_sources: list = []


def register_standing_source(function) -> None:
    """Called once from a higher app's AppConfig.ready: `function(enrolment_ids, on=day)`
    answers {enrolment pk: Standing} of day `on`, in one query, for those it has rows of."""
    _standing_sources.append(function)


def _standings(ids: list[int], on: datetime.date) -> dict[int, Standing]:
    standings = {}
    for function in _standing_sources:
        standings.update(function(ids, on=on))
    return standings


def _reasons(status: EnrolmentStatus, program: Program) -> list:
    if status.enrolment.ended_on is not None or program.status == ProgramStatus.ARCHIVED:
        return []
    if status.independent_since is not None:
        # Everything is reached: the only thing left to do is to say so. Overdue feedback
        # on a finished learner is noise.
        return [AttentionReason.READY]
    reasons = []
    if status.coach is None:
        reasons.append(AttentionReason.NO_COACH)
    if status.working_days_since > program.feedback_every_days:
        reasons.append(AttentionReason.FEEDBACK_OVERDUE)
    if status.projection.pace == Pace.BEHIND:
        reasons.append(AttentionReason.BEHIND)
    if status.reflections_overdue:
        reasons.append(AttentionReason.REFLECTIONS_OVERDUE)
    if status.coach_over_capacity:
        reasons.append(AttentionReason.COACH_OVER_CAPACITY)
    if status.is_overloaded:
        reasons.append(AttentionReason.LEARNER_OVERLOADED)
    return reasons


def _coaches_over_capacity(pairings, enrolments) -> set[tuple[int, int]]:
    """(coach, organisation) pairs whose coach has more running learners than capacity."""
    wanted = {
        (p.coach_id, enrolments[p.enrolment_id].cohort.program.organization_id) for p in pairings
    }
    if not wanted:
        return set()
    memberships = Membership.objects.filter(
        user__in={coach for coach, _org in wanted},
        organization__in={org for _coach, org in wanted},
        coach_capacity__isnull=False,
    ).annotate(active_learners=active_learners(OuterRef("organization")))
    return {
        (membership.user_id, membership.organization_id)
        for membership in memberships
        if membership.is_over_capacity
    }


def _learning_hours(enrolments, on: datetime.date) -> dict[tuple[int, int], tuple]:
    """{(learner, organisation): (planned hours a week, the organisation's maximum)} over the
    learners' running programs that have started, where the organisation sets a maximum."""
    organization = "cohort__program__organization"
    rows = (
        Enrolment.objects.running()
        .filter(
            learner__in={e.learner_id for e in enrolments.values()},
            started_on__lte=on,
            **{f"{organization}__max_learning_hours_per_week__isnull": False},
        )
        .values("learner", organization, f"{organization}__max_learning_hours_per_week")
        .annotate(hours=Sum("cohort__program__learning_hours_per_week"))
        .order_by()
    )
    return {
        (row["learner"], row[organization]): (
            row["hours"],
            row[f"{organization}__max_learning_hours_per_week"],
        )
        for row in rows
    }


def enrolment_statuses(
    enrolments: Iterable[Enrolment], *, on: datetime.date, levels=None, precomputed=False
) -> dict[int, EnrolmentStatus]:
    """{enrolment pk: EnrolmentStatus} on day `on`, in nine queries whatever the number
    (eight when the caller passes the levels of at least these enrolments, from
    `levels_by_enrolment` or `current_levels_by_enrolment`: only `current`,
    `independent_since` and `steps_made` are read, which both give alike).

    With `precomputed`, an enrolment whose registered standing of day `on` still matches
    its feedback, sign-offs and goals takes its levels, pace and overdue reflections from
    that standing; the levels and reflections are read only for the others (one query more
    for the standings, each of those two left out when every standing is up to date).

    The enrolments come with `learner` and `cohort__program` loaded. An ended enrolment is
    seen as it stood on its last day, and needs no attention.
    """
    enrolments = {e.pk: e for e in enrolments}
    if not enrolments:
        return {}
    ids = list(enrolments)
    program_ids = {e.cohort.program_id for e in enrolments.values()}
    pairings = list(
        Pairing.objects.current(on=on).filter(enrolment__in=ids).select_related("coach")
    )
    coach_of = {p.enrolment_id: p.coach for p in pairings}
    over_capacity = _coaches_over_capacity(pairings, enrolments)
    learning_hours = _learning_hours(enrolments, on)
    feedback = {
        row["enrolment"]: row
        for row in FeedbackMoment.objects.filter(enrolment__in=ids)
        .values("enrolment")
        .annotate(last=Max("occurred_on"), moments=Count("pk"))
    }
    goals = defaultdict(list)
    for goal_id, program_id in LearningGoal.objects.filter(program__in=program_ids).values_list(
        "pk", "program"
    ):
        goals[program_id].append(goal_id)
    required = defaultdict(set)
    for item_id, program_id in ChecklistItem.objects.filter(
        goal__program__in=program_ids, requires_sign_off=True
    ).values_list("pk", "goal__program"):
        required[program_id].add(item_id)
    first_signed = defaultdict(dict)
    for enrolment_id, item_id, signed_on in (
        SignOff.objects.filter(enrolment__in=ids, checklist_item__requires_sign_off=True)
        .values("enrolment", "checklist_item")
        .annotate(first=Min("signed_on"))
        .values_list("enrolment", "checklist_item", "first")
    ):
        first_signed[enrolment_id][item_id] = signed_on
    signed = {
        pk: [
            first_signed[pk][item]
            for item in required[e.cohort.program_id]
            if item in first_signed[pk]
        ]
        for pk, e in enrolments.items()
    }
    standings = {}
    if precomputed:
        standings = {
            pk: standing
            for pk, standing in _standings(ids, on).items()
            if standing
            == dataclasses.replace(
                standing,
                feedback_moments=feedback.get(pk, {}).get("moments", 0),
                last_feedback_on=feedback.get(pk, {}).get("last"),
                sign_offs_done=len(signed[pk]),
                sign_offs_required=len(required[enrolments[pk].cohort.program_id]),
                goals=len(goals[enrolments[pk].cohort.program_id]),
            )
        }
    to_read = [pk for pk in ids if pk not in standings]
    if levels is None:
        levels = current_levels_by_enrolment(to_read)
    reflections = {
        row["enrolment"]: row
        for row in Reflection.objects.filter(enrolment__in=to_read)
        .values("enrolment")
        .annotate(
            overdue=Count("pk", filter=Reflection.overdue_q(on), distinct=True),
            unread=Count(
                "pk", filter=Q(submitted_at__isnull=False, reactions__isnull=True), distinct=True
            ),
        )
    }

    statuses = {}
    for pk, enrolment in enrolments.items():
        program = enrolment.cohort.program
        # An ended enrolment stands as it was on its last day.
        day = min(on, enrolment.ended_on or on)
        sign_offs = SignOffs(required=len(required[program.pk]), signed_on=signed[pk])
        last_feedback_on = feedback.get(pk, {}).get("last")
        if standing := standings.get(pk):
            goals_below_independent = standing.goals - standing.goals_independent
            projection = Projection(Pace(standing.pace))
            independent_since = standing.independent_since
            reflections_overdue, reflections_to_read = standing.reflections_overdue, None
        else:
            goal_levels = [levels[pk][goal_id] for goal_id in goals[program.pk]]
            goals_below_independent = sum(1 for g in goal_levels if not g.is_independent)
            projection = project_independence(
                goals=goal_levels,
                started_on=enrolment.started_on,
                target_on=enrolment.target_on,
                today=day,
                sign_offs=sign_offs,
            )
            independent_since = independence_reached(goals=goal_levels, sign_offs=sign_offs)
            reflections_overdue = reflections.get(pk, {}).get("overdue", 0)
            reflections_to_read = reflections.get(pk, {}).get("unread", 0)
        coach = coach_of.get(pk)
        hours, max_hours = learning_hours.get(
            (enrolment.learner_id, program.organization_id), (None, None)
        )
        status = EnrolmentStatus(
            enrolment=enrolment,
            coach=coach,
            last_feedback_on=last_feedback_on,
            working_days_since=working_days_between(last_feedback_on or enrolment.started_on, day),
            goals_below_independent=goals_below_independent,
            open_sign_offs=sign_offs.open,
            reflections_overdue=reflections_overdue,
            reflections_to_read=reflections_to_read,
            projection=projection,
            independent_since=independent_since,
            coach_over_capacity=coach is not None
            and (coach.pk, program.organization_id) in over_capacity,
            learning_hours=hours,
            max_learning_hours=max_hours,
        )
        status.reasons = _reasons(status, program)
        statuses[pk] = status
    return statuses


def attention_list(user, *, on: datetime.date) -> list[EnrolmentStatus]:
    """Running enrolments of every program the user manages that need attention, most
    urgent first.

    The reasons are computed in Python, so every running enrolment of the user's programs
    is loaded (in a fixed number of queries) before the list is cut; their levels come from
    the up-to-date standings (the roll-up's rows of the day), never from their whole history
    where a standing holds them.
    """
    enrolments = (
        Enrolment.objects.running()
        .filter(cohort__program__in=Program.objects.managed_by(user))
        .select_related("learner", "cohort__program")
    )
    statuses = enrolment_statuses(enrolments, on=on, precomputed=True).values()
    return sorted((s for s in statuses if s.needs_attention), key=lambda s: s.urgency)


def group_statuses(enrolments: Iterable[Enrolment], *, on: datetime.date) -> dict:
    """The statuses the group page (a manager's) shows: read like the attention list's, from
    the up-to-date standings where there are, so both say the same."""
    return enrolment_statuses(enrolments, on=on, precomputed=True)


def coach_statuses(coach, *, on: datetime.date) -> list[EnrolmentStatus]:
    """The coach's current learners with their status, those who need attention first."""
    enrolments = Enrolment.objects.coached_by(coach, on=on).select_related(
        "learner", "cohort__program"
    )
    return sorted(enrolment_statuses(enrolments, on=on).values(), key=lambda s: s.urgency)
