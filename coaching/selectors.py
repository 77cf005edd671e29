"""Reads for the coach home and the progress page, each in a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    RowRange,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lead, RowNumber, TruncDate
from django.utils import timezone

from coaching import skills
from coaching.choices import Currency
from coaching.models import (
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
from coaching.progress import (
    GoalLevels,
    LevelChange,
    Projection,
    SignOffs,
    independence_reached,
    project_independence,
)
from programs import selectors as program_selectors
from programs.choices import Level
from programs.models import ChecklistItem, Enrolment, EnrolmentAccess, LearningGoal, Pairing
from werkplek import audit
from werkplek.choices import Role
from werkplek.models import Membership, Organization, User


def levels_by_enrolment(enrolment_ids, assessments=None) -> dict[int, dict[int, GoalLevels]]:
    """{enrolment: {goal: GoalLevels}} from every assessment, oldest first (one query);
    `assessments` narrows them to what a viewer may see."""
    assessments = GoalAssessment.objects.all() if assessments is None else assessments
    rows = (
        assessments.filter(feedback_moment__enrolment__in=enrolment_ids)
        .order_by("feedback_moment__occurred_on", "feedback_moment__created_at")
        .values_list(
            "feedback_moment__enrolment",
            "goal",
            "level",
            "feedback_moment__occurred_on",
            "feedback_moment__coach__name",
        )
    )
    levels = defaultdict(lambda: defaultdict(GoalLevels))
    for enrolment_id, goal_id, level, on, coach_name in rows:
        levels[enrolment_id][goal_id].history.append(LevelChange(on, level, coach_name))
    return levels


def current_levels_by_enrolment(enrolment_ids) -> dict[int, dict[int, GoalLevels]]:
    """{enrolment: {goal: GoalLevels}} with each goal's history cut to what `current`,
    `independent_since` and `steps_made` read: the newest level and, while it is 3 or higher,
    the assessment that started that run. At most two rows per goal leave the database, so
    lists of many enrolments (the attention list) do not walk every assessment in Python."""
    per_goal = {
        "partition_by": [F("feedback_moment__enrolment"), F("goal")],
        "order_by": [
            F("feedback_moment__occurred_on").desc(),
            F("feedback_moment__created_at").desc(),
        ],
    }
    rows = (
        GoalAssessment.objects.filter(feedback_moment__enrolment__in=enrolment_ids)
        .annotate(
            newest_first=Window(RowNumber(), **per_goal),
            # Assessments below independent at or after this one: 0 inside the current run.
            below_since=Window(
                Sum(Case(When(level__lt=Level.INDEPENDENT, then=1), default=0)),
                frame=RowRange(start=None, end=0),
                **per_goal,
            ),
            level_before=Window(Lead("level"), **per_goal),
        )
        .filter(
            Q(newest_first=1)
            | Q(below_since=0, level_before__isnull=True)
            | Q(below_since=0, level_before__lt=Level.INDEPENDENT)
        )
        .values_list(
            "feedback_moment__enrolment",
            "goal",
            "level",
            "feedback_moment__occurred_on",
            "newest_first",
            "below_since",
        )
    )
    newest, run_start = {}, {}
    for enrolment_id, goal_id, level, on, newest_first, below_since in rows:
        if newest_first == 1:
            newest[enrolment_id, goal_id] = LevelChange(on, level)
        elif below_since == 0:
            run_start[enrolment_id, goal_id] = LevelChange(on, level)
    levels = defaultdict(lambda: defaultdict(GoalLevels))
    for (enrolment_id, goal_id), change in newest.items():
        start = run_start.get((enrolment_id, goal_id))
        levels[enrolment_id][goal_id].history.extend([start, change] if start else [change])
    return levels


def earlier_learners(coach):
    """Enrolments the coach guided before, the latest started first: readable, no longer
    theirs to act on."""
    return (
        Enrolment.objects.visible_to(coach)
        # A semi-join, not a join: no DISTINCT over every column, and a plain count.
        .filter(pk__in=Pairing.objects.filter(coach=coach).values("enrolment"))
        .exclude(pk__in=Enrolment.objects.coached_by(coach))
        .select_related("learner", "cohort__program")
        .order_by("-started_on", "-pk")
    )


def earlier_learners_page(coach, number, *, per_page: int) -> Page:
    """A page of `earlier_learners`, as `Paginator.get_page(number)` gives it. The first
    page, where the coach home opens, costs one query: the count is a window over the same
    rows, so the costly door is compiled and planned once, not for a count and again for
    the rows. A page asked for on purpose is counted apart, as the paginator does."""
    learners = earlier_learners(coach)
    paginator = Paginator(learners, per_page)
    if number not in (None, "1"):
        return paginator.get_page(number)
    rows = list(learners.annotate(total=Window(Count("pk")))[:per_page])
    paginator.count = rows[0].total if rows else 0
    return Page(rows, 1, paginator)


# The newest levels each goal shows on the progress page; every older one stays in the
# feedback timeline, where each feedback moment lists the levels it gave.
LEVELS_SHOWN = 5


@dataclass
class GoalProgress:
    goal: LearningGoal
    levels: GoalLevels
    items: list = field(default_factory=list)  # (item, latest sign-off or None)

    @property
    def items_done(self) -> int:
        return sum(1 for _item, sign_off in self.items if sign_off)

    @property
    def current_label(self) -> str:
        return Level(self.levels.current).label if self.levels.current else ""

    @property
    def recent_levels(self) -> list[LevelChange]:
        """The newest levels given, oldest first: as many as the page shows."""
        return self.levels.history[-LEVELS_SHOWN:]

    @property
    def earlier_levels(self) -> int:
        """How many levels were given before the ones shown."""
        return max(len(self.levels.history) - LEVELS_SHOWN, 0)

    @property
    def level_steps(self) -> list[bool]:
        """The four steps of the scale, each whether the goal has reached it: the bar."""
        return [(self.levels.current or 0) >= level for level in Level.values]


@dataclass
class TimelineEntry:
    on: datetime.date
    feedback: FeedbackMoment | None = None
    peer: PeerFeedback | None = None


@dataclass
class TimelinePage:
    """One page of the feedback timeline, newest first."""

    entries: list[TimelineEntry]
    number: int
    has_next: bool

    @property
    def next_number(self) -> int:
        return self.number + 1


@dataclass
class EnrolmentProgress:
    enrolment: Enrolment
    goals: list[GoalProgress]
    latest_next_step: FeedbackMoment | None
    reflections_due: list[Reflection]
    reflections_done: list[Reflection]
    peer_requests_open: list[PeerFeedback]
    projection: Projection
    independent_since: datetime.date | None  # the day independence was reached, if it was
    current_coach: object | None
    last_day_seen: datetime.date | None = None  # a former coach's view stops here

    @property
    def items_done(self) -> int:
        return sum(goal.items_done for goal in self.goals)

    @property
    def items_total(self) -> int:
        return sum(len(goal.items) for goal in self.goals)


def _last_day_seen(enrolment: Enrolment, access: EnrolmentAccess) -> datetime.date | None:
    """None for a viewer who reads the enrolment in full; for a former coach, the last
    day of their pairing, on which the page stops."""
    if access.full:
        return None
    # A pairing runs up to, not including, its end date (see programs.models.readable_q).
    return (access.until or enrolment.started_on) - datetime.timedelta(days=1)


def enrolment_progress(enrolment: Enrolment, *, viewer, today: datetime.date) -> EnrolmentProgress:
    """Everything the progress page shows for one enrolment, as far as `viewer` may see it:
    a former coach sees it as it stood on the last day of their pairing."""
    program = enrolment.cohort.program
    access = enrolment.access_for(viewer)
    # An ended enrolment's projection stays as it was on its last day; so does the page
    # of a former coach.
    last_day = _last_day_seen(enrolment, access)
    today = min(today, enrolment.ended_on or today, last_day or today)
    goals = list(
        LearningGoal.objects.filter(program=program)
        .prefetch_related(
            Prefetch("checklist_items", queryset=ChecklistItem.objects.order_by("position", "pk"))
        )
        .order_by("position", "pk")
    )
    latest_sign_off, first_signed_on = {}, {}
    for sign_off in (
        SignOff.objects.visible_to(viewer, within=access)
        .select_related("signed_by")
        .order_by("signed_on", "created_at")
    ):
        latest_sign_off[sign_off.checklist_item_id] = sign_off
        first_signed_on.setdefault(sign_off.checklist_item_id, sign_off.signed_on)
    levels = levels_by_enrolment(
        [enrolment.pk], GoalAssessment.objects.visible_to(viewer, within=access)
    )
    levels = levels[enrolment.pk]
    goal_progress = [
        GoalProgress(
            goal=goal,
            levels=levels[goal.pk],
            items=[(item, latest_sign_off.get(item.pk)) for item in goal.checklist_items.all()],
        )
        for goal in goals
    ]
    latest_next_step = (
        enrolment.feedback_moments.visible_to(viewer, within=access)
        .exclude(next_step="")
        .only("occurred_on", "next_step")
    ).first()
    open_peer_requests = list(
        PeerFeedback.objects.visible_to(viewer, within=access)
        .filter(enrolment=enrolment, given_at__isnull=True)
        .select_related("requested_from", "goal")
    )
    reflections = list(
        Reflection.objects.visible_to(viewer, within=access)
        .select_related("feedback_moment")
        .prefetch_related(
            Prefetch(
                "reactions",
                queryset=ReflectionReaction.objects.visible_to(
                    viewer, within=access
                ).select_related("author"),
            )
        )
        .order_by("-due_on", "-pk")
    )
    current = enrolment.current_pairing if last_day is None else None
    required = [
        item.pk for goal in goals for item in goal.checklist_items.all() if item.requires_sign_off
    ]
    sign_offs = SignOffs(
        required=len(required),
        signed_on=[first_signed_on[pk] for pk in required if pk in first_signed_on],
    )
    return EnrolmentProgress(
        enrolment=enrolment,
        goals=goal_progress,
        latest_next_step=latest_next_step,
        reflections_due=[r for r in reflections if not r.is_done],
        reflections_done=[r for r in reflections if r.is_done],
        peer_requests_open=open_peer_requests,
        projection=project_independence(
            goals=[g.levels for g in goal_progress],
            started_on=enrolment.started_on,
            target_on=enrolment.target_on,
            today=today,
            sign_offs=sign_offs,
        ),
        independent_since=independence_reached(
            goals=[g.levels for g in goal_progress], sign_offs=sign_offs
        ),
        current_coach=current.coach if current else None,
        last_day_seen=last_day,
    )


TIMELINE_PAGE_SIZE = 10


def progress_timeline(enrolment: Enrolment, *, viewer, page: int = 1) -> TimelinePage:
    """One page of feedback moments and colleagues' feedback, newest first, as far as `viewer`
    may see them: one query finds the page's entries, three more load them in full."""
    access = enrolment.access_for(viewer)
    moments = enrolment.feedback_moments.visible_to(viewer, within=access)
    peers = PeerFeedback.objects.visible_to(viewer, within=access).filter(
        enrolment=enrolment, given_at__isnull=False
    )
    kind = CharField()
    keys = (
        moments.annotate(
            on=F("occurred_on"), stamp=F("created_at"), kind=Value("feedback", output_field=kind)
        )
        .values_list("pk", "on", "stamp", "kind")
        .order_by()
        .union(
            peers.annotate(
                on=TruncDate("given_at", tzinfo=timezone.get_current_timezone()),
                stamp=F("given_at"),
                kind=Value("peer", output_field=kind),
            )
            .values_list("pk", "on", "stamp", "kind")
            .order_by(),
            all=True,
        )
        .order_by("-on", "-stamp", "kind", "-pk")
    )
    start = (page - 1) * TIMELINE_PAGE_SIZE
    rows = list(keys[start : start + TIMELINE_PAGE_SIZE + 1])
    has_next = len(rows) > TIMELINE_PAGE_SIZE
    rows = rows[:TIMELINE_PAGE_SIZE]
    moment_ids = [pk for pk, _on, _stamp, kind in rows if kind == "feedback"]
    peer_ids = [pk for pk, _on, _stamp, kind in rows if kind == "peer"]
    loaded_moments = (
        moments.filter(pk__in=moment_ids)
        .select_related("coach")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=GoalAssessment.objects.visible_to(viewer, within=access)
                .select_related("goal")
                .order_by("goal__position"),
            ),
            Prefetch(
                "sign_offs",
                queryset=SignOff.objects.visible_to(viewer, within=access).select_related(
                    "checklist_item"
                ),
            ),
            Prefetch(
                "addenda",
                queryset=FeedbackAddendum.objects.visible_to(viewer, within=access).select_related(
                    "author"
                ),
            ),
        )
    )
    by_key = {
        ("feedback", m.pk): TimelineEntry(on=m.occurred_on, feedback=m) for m in loaded_moments
    }
    by_key |= {
        ("peer", p.pk): TimelineEntry(on=timezone.localdate(p.given_at), peer=p)
        for p in peers.filter(pk__in=peer_ids).select_related("requested_from", "goal")
    }
    entries = [by_key[(kind, pk)] for pk, _on, _stamp, kind in rows]
    return TimelinePage(entries=entries, number=page, has_next=has_next)


@dataclass(frozen=True)
class Certificate:
    """What an independence certificate states: dated facts of one enrolment that ended
    independent, the same for everyone who may download it."""

    enrolment_id: int
    learner: str
    program: str
    organization: str
    goals: list[tuple[str, int | None]]  # (title, the level last assessed) in program order
    started_on: datetime.date
    independent_on: datetime.date
    coaches: list[str]  # who guided the learner, first to last


def certificate_of(enrolment: Enrolment) -> Certificate:
    """The certificate of an enrolment that ended independent (its learner and program
    loaded with it), in three queries."""
    goals = LearningGoal.objects.filter(program=enrolment.cohort.program_id)
    levels = levels_by_enrolment([enrolment.pk])[enrolment.pk]
    # Every coach whose pairing began by the last day; one replaced before it began never
    # guided anyone (see PairingQuerySet.current).
    coach_names = (
        Pairing.objects.filter(enrolment=enrolment, started_on__lte=enrolment.ended_on)
        .exclude(ended_on=F("started_on"))
        .order_by("started_on", "pk")
        .values_list("coach__name", flat=True)
    )
    return Certificate(
        enrolment_id=enrolment.pk,
        learner=enrolment.learner.name,
        program=enrolment.cohort.program.name,
        organization=enrolment.cohort.program.organization.name,
        goals=[(goal.title, levels[goal.pk].current) for goal in goals.order_by("position", "pk")],
        started_on=enrolment.started_on,
        independent_on=enrolment.ended_on,
        coaches=list(dict.fromkeys(coach_names)),
    )


def coach_to_thank(enrolment: Enrolment, viewer):
    """The coach membership of the enrolment's last coach, when `viewer` is an L&D manager of
    its organisation who may thank them (not themself): one query."""
    last_coach = (
        Pairing.objects.filter(enrolment=enrolment)
        .exclude(ended_on=F("started_on"))
        .order_by("-started_on", "-pk")
        .values("coach")[:1]
    )
    return (
        Membership.objects.with_role(Role.COACH)
        .filter(
            organization=enrolment.cohort.program.organization_id,
            organization__in=Organization.objects.managed_by(viewer),
            user=Subquery(last_coach),
        )
        .exclude(user=viewer)
        .select_related("user")
        .first()
    )


THANKS_PER_PAGE = 10
THANKS_ON_COACH_HOME = 3


def thanks_received(coach):
    """The thank-you notes a coach received, newest first, with who sent them and from
    which organisation."""
    return (
        ThankYouNote.objects.visible_to(coach)
        .filter(coach=coach)
        .select_related("sender", "organization")
        .order_by("-created_at", "-pk")
    )


def progress_review_panel(enrolment: Enrolment, *, viewer) -> dict:
    """The progress page's reviews as `viewer` sees them: the reviews, first planned first,
    each with `may_record` (the viewer may record its outcome) and the comments they may
    read; the participants; and what the viewer may do (plan, comment). Four queries, one
    of them only when there are reviews (at most MAX_REVIEWS_PER_ENROLMENT)."""
    access = enrolment.access_for(viewer)
    comments = ProgressReviewComment.objects.visible_to(viewer, within=access).select_related(
        "author"
    )
    reviews = list(
        ProgressReview.objects.visible_to(viewer, within=access)
        .select_related("outcome_by")
        .prefetch_related(Prefetch("comments", queryset=comments))
    )
    # The rights are asked in one query about this enrolment, and only those that can hold:
    # building and compiling each rule's enrolment subqueries is most of this panel's time,
    # and most enrolments have no review.
    on_this = ProgressReview.objects.filter(enrolment=OuterRef("pk"))
    asked = {
        "can_plan": Exists(ProgressReview.plannable_enrolments(viewer).filter(pk=OuterRef("pk")))
    }
    if any(not review.is_held for review in reviews):
        # Such a review is open to the viewer's outcome exactly when one of this enrolment's
        # reviews is: it is one itself.
        asked["can_record"] = Exists(on_this.open_to_outcome_by(viewer))
    if reviews or not access.full:
        # Who reads the enrolment in full has every one of its reviews above: none, nothing
        # to comment on.
        asked["can_comment"] = Exists(on_this.open_to_comments_by(viewer))
    rights = Enrolment.objects.filter(pk=enrolment.pk).annotate(**asked).values(*asked).get()
    for review in reviews:
        review.may_record = not review.is_held and rights.get("can_record", False)
    return {
        "reviews": reviews,
        "line_managers": line_managers_of(enrolment),
        "can_plan": rights["can_plan"],
        "can_comment": rights.get("can_comment", False),
    }


def line_managers_of(enrolment: Enrolment):
    """The line managers of the learner's team in the enrolment's organisation, by name."""
    team = Membership.objects.current().filter(
        user=enrolment.learner_id, organization=enrolment.cohort.program.organization_id
    )
    leads = Membership.objects.with_role(Role.LINE_MANAGER).filter(
        organization=enrolment.cohort.program.organization_id,
        team__in=team.exclude(team="").values("team"),
    )
    return User.objects.filter(pk__in=leads.values("user")).order_by("name", "pk")


def team_enrolments(line_manager):
    """The running enrolments of the learners of the line manager's teams, by learner
    name: what the team page pages through."""
    return (
        Enrolment.objects.led_by(line_manager)
        .running()
        .select_related("learner", "cohort__program")
        .order_by("learner__name", "pk")
    )


def next_reviews(enrolment_ids) -> dict[int, ProgressReview]:
    """{enrolment: its first review without an outcome} for these enrolments (one query)."""
    first = (
        ProgressReview.objects.upcoming()
        .filter(enrolment=OuterRef("enrolment"))
        .order_by("planned_on", "pk")
        .values("pk")[:1]
    )
    reviews = ProgressReview.objects.filter(enrolment__in=enrolment_ids, pk=Subquery(first))
    return {review.enrolment_id: review for review in reviews}


def peer_requests_for(user):
    """Feedback fellow learners asked of this user and that they have not given yet."""
    return (
        PeerFeedback.objects.answerable_by(user)
        .select_related("enrolment__learner", "goal")
        .order_by("requested_at")
    )


def learner_enrolments(user):
    """The user's own enrolments, newest first, with program and current coach."""
    current = Pairing.objects.current().select_related("coach")
    return (
        Enrolment.objects.filter(learner=user)
        .select_related("cohort__program")
        .prefetch_related(Prefetch("pairings", queryset=current, to_attr="current_pairings"))
        .order_by("ended_on", "-started_on")
    )


def peers_in_group(enrolment):
    """Fellow learners of the same group whom the learner can ask for feedback."""
    return (
        Enrolment.objects.active()
        .filter(cohort=enrolment.cohort)
        .exclude(learner=enrolment.learner)
        .select_related("learner")
        .order_by("learner__name")
    )


def feedback_form_data(enrolment, *, moment=None):
    """The goals, their current levels and the open tasks, for the form: those not yet
    signed off, and those to observe again (the latest sign-off expiring or expired)."""
    program_goals = LearningGoal.objects.filter(program=enrolment.cohort.program_id)
    goals = list(program_goals.order_by("position", "pk"))
    levels = levels_by_enrolment([enrolment.pk])[enrolment.pk]
    current_levels = {goal_id: goal_levels.current for goal_id, goal_levels in levels.items()}
    items = list(
        ChecklistItem.objects.filter(goal__in=program_goals).order_by(
            "goal__position", "goal", "position", "pk"
        )
    )
    signed = SignOff.objects.filter(enrolment=enrolment)
    if moment is not None:
        signed = signed.exclude(feedback_moment=moment)
    cells = skills.latest_cells(signed, [enrolment.learner_id], items, timezone.localdate())
    open_items = [
        item
        for item in items
        if (cell := cells.get((enrolment.learner_id, item.pk))) is None
        or cell.currency != Currency.CURRENT
    ]
    return goals, current_levels, open_items


# Higher apps (kpis) add a panel to the progress page without coaching importing them:
# each registers a template and a function (enrolment, viewer) -> its context, or None for
# nothing to show.
_progress_panels: list[tuple[str, object]] = []


def register_progress_panel(template_name: str, function) -> None:
    """Called once from a higher app's AppConfig.ready."""
    _progress_panels.append((template_name, function))


def progress_panels(enrolment: Enrolment, *, viewer) -> list[dict]:
    """The registered panels with something to show to `viewer`, each as its template and
    context (each function in a fixed number of queries)."""
    panels = []
    for template_name, function in _progress_panels:
        context = function(enrolment, viewer=viewer)
        if context:
            panels.append({"template": template_name, "context": context})
    return panels


# --- The audit trail's sources (werkplek.audit.trail) ----------------------------------


def _feedback_sources(moments) -> list[audit.Source]:
    """Feedback moments (a historical queryset) with their levels, sign-offs and addenda."""
    ids = moments.values("id")
    return [
        audit.Source(moments, hidden=frozenset({"enrolment"})),
        audit.Source(
            GoalAssessment.history.filter(feedback_moment_id__in=ids),
            hidden=frozenset({"feedback_moment"}),
        ),
        audit.Source(
            SignOff.history.filter(feedback_moment_id__in=ids),
            hidden=frozenset({"enrolment", "feedback_moment"}),
        ),
        audit.Source(
            FeedbackAddendum.history.filter(feedback_moment_id__in=ids),
            hidden=frozenset({"feedback_moment"}),
        ),
    ]


def feedback_moment_trail(moment: FeedbackMoment) -> list[audit.Source]:
    """Changes to one feedback moment: its texts, levels, sign-offs and addenda."""
    return _feedback_sources(FeedbackMoment.history.filter(id=moment.pk))


def enrolment_trail(enrolment_ids) -> list[audit.Source]:
    """Changes to enrolments (`enrolment_ids`: a queryset of their ids) and everything
    recorded in them: pairings, feedback, sign-offs, reflections, reactions, peer feedback,
    progress reviews and their comments."""
    reflections = Reflection.history.filter(enrolment_id__in=enrolment_ids)
    reviews = ProgressReview.history.filter(enrolment_id__in=enrolment_ids)
    return [
        *program_selectors.enrolment_trail(enrolment_ids),
        *_feedback_sources(FeedbackMoment.history.filter(enrolment_id__in=enrolment_ids)),
        audit.Source(
            reflections, hidden=frozenset({"enrolment", "feedback_moment", "reminded_at"})
        ),
        audit.Source(
            ReflectionReaction.history.filter(reflection_id__in=reflections.values("id")),
            hidden=frozenset({"reflection"}),
        ),
        audit.Source(
            PeerFeedback.history.filter(enrolment_id__in=enrolment_ids),
            hidden=frozenset({"enrolment"}),
        ),
        audit.Source(reviews, hidden=frozenset({"enrolment"})),
        audit.Source(
            ProgressReviewComment.history.filter(review_id__in=reviews.values("id")),
            hidden=frozenset({"review"}),
        ),
    ]
