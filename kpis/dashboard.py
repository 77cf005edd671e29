"""The dashboards' reads: the latest snapshots of programs, groups and KPIs, never raw
feedback or measurements. The program dashboard takes a constant number of queries however
many groups, goals, KPIs or measurements the program has; the organisation dashboard however
many programs it lists."""

import dataclasses
import datetime
import functools
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis import selectors
from kpis.choices import SubjectLevel
from kpis.models import KPI, EnrolmentSnapshot, KPISnapshot, ProgramSnapshot
from kpis.statistics import min_group_size
from programs.choices import Level
from programs.models import Cohort, Enrolment, LearningGoal, Program
from werkplek.models import Organization

# The most goals, KPIs and groups' impact rows a dashboard holds (its exports all of them).
MAX_ROWS = 50
# The newest program changes it holds.
MAX_MARKERS = 50
# What the program dashboard's page shows of these, so that its HTML is the same for a
# program of a few groups and KPIs as for one that grew large: its KPIs (trend and impact)
# a page at a time, each KPI's impact for its newest groups, and the newest program changes.
KPIS_PER_PAGE = 3
IMPACT_GROUPS_SHOWN = 6
MARKERS_SHOWN = 10

BUILTIN_NAMES = {
    "time_to_independence": gettext_lazy("Time to independence (median days)"),
    "feedback_rhythm_kept": gettext_lazy("Feedback rhythm kept (%)"),
    "reflection_completion": gettext_lazy("Reflections completed (%)"),
    "goals_at_level_by_target_week": gettext_lazy("Goals at level 3 by their target week (%)"),
    "sign_off_coverage": gettext_lazy("Required sign-offs done (%)"),
}
PERCENTAGES = {
    "feedback_rhythm_kept",
    "reflection_completion",
    "goals_at_level_by_target_week",
    "sign_off_coverage",
}


@dataclasses.dataclass
class Dashboard:
    program: Program
    snapshot: ProgramSnapshot | None
    goals: list  # [{"title", "counts": [no level, 1, 2, 3, 4] or None, "n", "enough", "minimum"}]
    builtin: list  # [{"key", "name", "enough", "value", "n", "minimum"}]
    survival: dict  # {"all"/"pilot"/"later": stored survival json}
    target_days: int
    # [{"kpi", "periods": [{"period", "value", "n", "enough"}], "impact": {"kind", "rows"} or None}]
    kpis: list
    markers: list  # [{"day", "label"}], oldest first
    kpi_page: Page | None = None  # on the page: which of the program's KPIs `kpis` holds


def _builtin_rows(kpis: dict) -> list:
    rows = []
    for key, name in BUILTIN_NAMES.items():
        stored = kpis.get(key) or {"enough": False, "minimum": min_group_size()}
        row = {"key": key, "name": name, "enough": stored["enough"], "n": stored.get("n")}
        row["minimum"] = stored.get("minimum", min_group_size())
        if stored["enough"]:
            if key == "time_to_independence":
                # Kaplan–Meier medians fall on whole days; "52,0" would suggest precision.
                median = stored.get("median")
                row["value"] = round(median) if median is not None else None
            elif key in PERCENTAGES:
                row["value"] = round(stored["value"] * 100)
            else:
                row["value"] = stored["value"]
        rows.append(row)
    return rows


def _goal_rows(goals, levels: dict) -> list:
    """Per goal the learners at each level, with n. Over fewer learners than the minimum the
    counts would tell where each one stands: then only n and "too little data"."""
    minimum = min_group_size()
    rows = []
    for goal in goals:
        stored = levels.get(str(goal.pk), {})
        counts = [stored.get(str(level), 0) for level in [0, *Level.values]]
        n = sum(counts)
        enough = n >= minimum
        rows.append(
            {
                "title": goal.title,
                "counts": counts if enough else None,
                "n": n,
                "enough": enough,
                "minimum": minimum,
            }
        )
    return rows


def _program_kpis(program: Program):
    """The program's KPIs and the organisation-wide ones."""
    return KPI.objects.filter(
        Q(program=program) | Q(program__isnull=True, organization_id=program.organization_id)
    ).order_by("program", "name", "pk")


def _kpi_trends(kpis: list, program: Program | None = None, *, groups=MAX_ROWS) -> list:
    """Each of `kpis` with its newest snapshot's periods (mean and n; an aggregate over fewer
    learners than the minimum has no value) and, given a program, its impact on that
    program's newest `groups` groups (one query)."""
    newest = KPISnapshot.objects.filter(kpi=OuterRef("kpi")).order_by("-day").values("day")[:1]
    snapshots = {
        row.kpi_id: row for row in KPISnapshot.objects.filter(kpi__in=kpis, day=Subquery(newest))
    }
    trends = []
    for kpi in kpis:
        snapshot = snapshots.get(kpi.pk)
        periods = [
            {
                "period": datetime.date.fromisoformat(period["period"]),
                "value": Decimal(period["value"]) if period["value"] is not None else None,
                "n": period["n"],
                "enough": period["enough"],
            }
            for period in (snapshot.periods if snapshot else [])
        ]
        impact = snapshot.impact.get(str(program.pk)) if snapshot and program else None
        trends.append({"kpi": kpi, "periods": periods, "impact": _impact_rows(impact, groups)})
    return trends


COMPARISONS = {
    "earlier": gettext_lazy("earlier groups"),
    "outside": gettext_lazy("people in none of the programs"),
    "before": gettext_lazy("periods before the program"),
}


def _impact_rows(impact: dict | None, groups: int) -> dict | None:
    """The stored impact with each comparison named, for the newest `groups` groups;
    `left_out` counts the older ones."""
    if not impact:
        return None
    rows = []
    for row in impact["rows"][-groups:]:
        comparisons = [
            {**comparison, "label": COMPARISONS[comparison["against"]]}
            for comparison in row["comparisons"]
        ]
        # One table row per comparison; a group without one still has its own.
        rows.append({**row, "comparisons": comparisons, "lines": comparisons or [None]})
    return {
        "kind": impact["kind"],
        "rows": rows,
        "left_out": max(len(impact["rows"]) - groups, 0),
    }


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _markers(program: Program, first_start: datetime.date | None, limit: int) -> list:
    """The newest `limit` program changes, oldest first: each group's start and, from the program's
    history, each goal added or removed and each change of the feedback rhythm after the
    first group started (before that the program was still being designed). Three queries."""
    starts = Cohort.objects.filter(program=program).order_by("-starts_on", "-pk")
    changes = [
        (
            _start_of(cohort.starts_on),
            _("Group «%(name)s» started") % {"name": cohort.name},
        )
        for cohort in starts.only("name", "starts_on")[:limit]
    ]
    if first_start is not None:
        since = _start_of(first_start + datetime.timedelta(days=1))
        changes += _goal_changes(program, since, limit) + _rhythm_changes(program, since, limit)
    # On one day a group's start (at midnight) comes before the changes made that day.
    changes.sort(key=lambda change: change[0])
    return [{"day": timezone.localdate(at), "label": label} for at, label in changes[-limit:]]


def _goal_changes(program: Program, since: datetime.datetime, limit: int) -> list:
    """The newest goals added to or removed from the program since `since`."""
    labels = {"+": _("Goal «%(title)s» added"), "-": _("Goal «%(title)s» removed")}
    rows = (
        LearningGoal.history.filter(
            program_id=program.pk, history_type__in=["+", "-"], history_date__gte=since
        )
        .order_by("-history_date", "-history_id")
        .values("history_type", "history_date", "title")[:limit]
    )
    return [
        (row["history_date"], labels[row["history_type"]] % {"title": row["title"]}) for row in rows
    ]


def _rhythm_changes(program: Program, since: datetime.datetime, limit: int) -> list:
    """The newest versions of the program since `since` whose feedback rhythm differs from
    the version before."""
    before = (
        Program.history.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
        .order_by("-history_date", "-history_id")
        .values("feedback_every_days")[:1]
    )
    rows = (
        Program.history.filter(id=program.pk, history_date__gte=since)
        .annotate(before=Subquery(before))
        .filter(before__isnull=False)
        .exclude(before=F("feedback_every_days"))
        .order_by("-history_date", "-history_id")
        .values("history_date", "before", "feedback_every_days")[:limit]
    )
    return [
        (
            row["history_date"],
            _("Feedback rhythm changed: every %(before)s → %(after)s working days")
            % {"before": row["before"], "after": row["feedback_every_days"]},
        )
        for row in rows
    ]


def program_dashboard(program: Program, *, kpi_page=None) -> Dashboard:
    """The program's latest snapshot, its goals, its KPIs' trends and the dated program
    changes (eight queries): for the exports all of them (up to `MAX_ROWS` and
    `MAX_MARKERS`); given `kpi_page` (a page number as typed), what the page shows, that page
    of its KPIs (one query more, the count)."""
    snapshot = ProgramSnapshot.objects.filter(program=program).order_by("-day").first()
    goals = list(LearningGoal.objects.filter(program=program).order_by("position", "pk"))
    first_group = Cohort.objects.filter(program=program).order_by("starts_on", "pk").first()
    stored = snapshot.kpis if snapshot else {}
    survival = {
        name: stored.get(key)
        for name, key in [
            ("all", "time_to_independence"),
            ("pilot", "time_to_independence_pilot"),
            ("later", "time_to_independence_later"),
        ]
        if stored.get(key)
    }
    if kpi_page is None:
        page, groups, markers = None, MAX_ROWS, MAX_MARKERS
        kpis = list(_program_kpis(program)[:MAX_ROWS])
    else:
        page = Paginator(_program_kpis(program), KPIS_PER_PAGE).get_page(kpi_page)
        groups, markers = IMPACT_GROUPS_SHOWN, MARKERS_SHOWN
        kpis = list(page.object_list)
    return Dashboard(
        program=program,
        snapshot=snapshot,
        goals=_goal_rows(goals[:MAX_ROWS], snapshot.levels if snapshot else {}),
        builtin=_builtin_rows(stored),
        survival=survival,
        target_days=program.duration_weeks * 7,
        kpis=_kpi_trends(kpis, program, groups=groups),
        markers=_markers(program, first_group.starts_on if first_group else None, markers),
        kpi_page=page,
    )


def chart_data(dashboard: Dashboard) -> dict:
    """What static/js/dashboard.js draws: the same numbers as the page's tables."""
    levels = [_("no level yet"), *[str(label) for label in Level.labels]]
    return {
        "levels": {
            "labels": [
                goal["title"] if goal["enough"] else f"{goal['title']} ({_('too little data')})"
                for goal in dashboard.goals
            ],
            "series": [
                {
                    "label": label,
                    "data": [
                        goal["counts"][index] if goal["enough"] else None
                        for goal in dashboard.goals
                    ],
                }
                for index, label in enumerate(levels)
            ],
        },
        "survival": {
            "target": dashboard.target_days,
            "targetLabel": _("target"),
            "curves": [
                {"label": f"{SURVIVAL_LABELS[name]} (n = {data['n']})", "points": data["curve"]}
                for name, data in dashboard.survival.items()
                if data.get("enough")
            ],
        },
        "markers": [
            {"day": marker["day"].isoformat(), "label": marker["label"]}
            for marker in dashboard.markers
        ],
        "kpis": _kpi_charts(dashboard.kpis),
    }


def _kpi_charts(trends: list) -> list:
    """The KPI trend charts static/js/dashboard.js draws, one per trend, each value with its
    n; the periods on the axis are ISO dates, where the program changes are placed."""
    return [
        selectors.kpi_trend_chart(
            trend["kpi"],
            trend["periods"],
            labels=[period["period"].isoformat() for period in trend["periods"]],
        )
        for trend in trends
    ]


SURVIVAL_LABELS = {
    "all": gettext_lazy("all groups"),
    "pilot": gettext_lazy("pilot group"),
    "later": gettext_lazy("later groups"),
}


# --- The organisation dashboard: which of the organisation's programs deliver? -------------

# What the organisation dashboard's KPIs are about: the organisation as a whole or its teams
# (learner-level ones belong to a program's learners and show on the program dashboards).
ORGANIZATION_KPI_LEVELS = (SubjectLevel.ORGANIZATION, SubjectLevel.TEAM)


@dataclasses.dataclass
class ProgramRow:
    """One program on the organisation dashboard, as its newest snapshot has it."""

    program: Program
    snapshot: ProgramSnapshot | None
    # Running learners whose newest snapshot says they need attention (None: no snapshot).
    attention: int | None

    @property
    def target_days(self) -> int:
        return self.program.duration_weeks * 7

    @property
    def time_to_independence(self) -> dict:
        """The stored Kaplan–Meier summary: median, quartiles and n, or too little data."""
        stored = self.snapshot.kpis if self.snapshot else {}
        return stored.get("time_to_independence") or {
            "enough": False,
            "minimum": min_group_size(),
        }

    @property
    def within_target(self) -> bool | None:
        """Whether half of the learners were independent within the planned duration; None
        while the median is not known."""
        median = self.time_to_independence.get("median")
        return None if median is None else median <= self.target_days

    @functools.cached_property
    def shares(self) -> list:
        """The built-in KPIs that are shares (%), each with its n or too little data."""
        rows = _builtin_rows(self.snapshot.kpis if self.snapshot else {})
        return [row for row in rows if row["key"] in PERCENTAGES]


@dataclasses.dataclass
class OrganizationDashboard:
    organization: Organization
    programs: list  # [ProgramRow], in the order given
    kpis: list  # as Dashboard.kpis: the organisation's and its teams' KPIs

    @property
    def day(self):
        """The newest day any program was calculated on (None before the first run)."""
        return max((row.snapshot.day for row in self.programs if row.snapshot), default=None)

    @property
    def share_names(self) -> list:
        return [name for key, name in BUILTIN_NAMES.items() if key in PERCENTAGES]


def _attention_counts(programs: list) -> dict:
    """{program pk: running learners whose newest snapshot lists a reason for attention}:
    the attention list's count without computing every enrolment again (one query)."""
    newest = (
        EnrolmentSnapshot.objects.filter(enrolment=OuterRef("enrolment"))
        .order_by("-day")
        .values("day")[:1]
    )
    return dict(
        EnrolmentSnapshot.objects.filter(
            cohort__program__in=programs,
            enrolment__in=Enrolment.objects.running(),
            day=Subquery(newest),
        )
        .exclude(attention_reasons=[])
        .values("cohort__program")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("cohort__program", "n")
    )


def organization_dashboard(organization: Organization, *, programs) -> OrganizationDashboard:
    """`programs` (of `organization`) each with its newest snapshot and how many of its
    learners need attention, and the organisation-level KPIs' trends (four queries, plus
    those that fetch `programs`)."""
    programs = list(programs)
    newest_day = (
        ProgramSnapshot.objects.filter(program=OuterRef("program")).order_by("-day").values("day")
    )
    snapshots = {
        snapshot.program_id: snapshot
        for snapshot in ProgramSnapshot.objects.filter(
            program__in=programs, day=Subquery(newest_day[:1])
        )
    }
    attention = _attention_counts(programs)
    kpis = list(
        KPI.objects.filter(
            organization=organization,
            program__isnull=True,
            subject_level__in=ORGANIZATION_KPI_LEVELS,
        ).order_by("name", "pk")[:MAX_ROWS]
    )
    rows = [
        ProgramRow(
            program=program,
            snapshot=snapshots.get(program.pk),
            attention=attention.get(program.pk, 0) if program.pk in snapshots else None,
        )
        for program in programs
    ]
    return OrganizationDashboard(organization=organization, programs=rows, kpis=_kpi_trends(kpis))


def organization_chart_data(dashboard: OrganizationDashboard) -> dict:
    """What static/js/dashboard.js and organization-dashboard.js draw: each program's median
    days to independence against its target, and the KPIs' trends; the same numbers as the
    page's tables."""
    labels = []
    for row in dashboard.programs:
        stored = row.time_to_independence
        if not stored["enough"]:
            note = _("too little data")
        elif stored.get("median") is None:
            note = _("median not reached yet") + f", n = {stored['n']}"
        else:
            note = f"n = {stored['n']}"
        labels.append(f"{row.program.name} ({note})")
    return {
        "programs": {
            "labels": labels,
            "median": [row.time_to_independence.get("median") for row in dashboard.programs],
            "target": [row.target_days for row in dashboard.programs],
            "medianLabel": _("median days to independence"),
            "targetLabel": _("target (planned duration in days)"),
        },
        "markers": [],
        "kpis": _kpi_charts(dashboard.kpis),
    }
