"""The dashboards' tables as files: each section's rows are defined once, here, and written as
CSV (`?format=csv&section=…`) or XLSX (`?format=xlsx&section=…`, or without a section one
workbook with a sheet per section).

A section is a function from the dashboard's data to rows, the header first, whose cells are
text, numbers (int, float, Decimal), dates or None. Adding a table to the exports is one such
function registered with `@PROGRAM_SECTIONS.section(key, title)`.

Program, goal and KPI names are typed by users: a text cell is never a formula. CSV cells
starting with a formula character get a leading quote (a spreadsheet opening the file would
otherwise evaluate them); XLSX workbooks are written by werkplek.lib.spreadsheet (strings as
strings, never formulas or links; numbers as numbers, so that they can be summed).
"""

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis.dashboard import SURVIVAL_LABELS
from kpis.templatetags.kpi_format import kpi_verdict
from programs.choices import Level
from werkplek.lib import spreadsheet
from werkplek.lib.spreadsheet import XLSX_CONTENT_TYPE, neutralise

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Section:
    """One exportable table of a dashboard: its key in the URL, its title (the sheet's
    name) and the function that gives its rows."""

    key: str
    title: str
    rows: Callable[[object], Iterable[list]]


class Sections:
    """The exportable tables of one dashboard, in the order the page shows them."""

    def __init__(self):
        self._sections: dict[str, Section] = {}

    def section(self, key: str, title):
        """Register the decorated function as the rows of table `key`."""

        def register(rows):
            self._sections[key] = Section(key=key, title=title, rows=rows)
            return rows

        return register

    def __iter__(self):
        return iter(self._sections.values())

    def __getitem__(self, key) -> Section:
        return self._sections[key]

    def __contains__(self, key) -> bool:
        return key in self._sections


PROGRAM_SECTIONS = Sections()
ORGANIZATION_SECTIONS = Sections()


def is_requested(request) -> bool:
    """Whether the request asks for a file rather than the page."""
    return "format" in request.GET


def response(request, sections: Sections, data, *, filename: str) -> HttpResponse:
    """The file the request asks for: one section as CSV or XLSX, or every section as one
    workbook. An unknown format or section is not found."""
    file_format = request.GET.get("format")
    key = request.GET.get("section")
    if file_format not in FORMATS or (key is not None and key not in sections):
        raise Http404
    if file_format == "csv":
        if key is None:
            raise Http404  # a CSV file holds one table
        answer = HttpResponse(content_type="text/csv; charset=utf-8")
        csv.writer(answer).writerows(
            [_csv_cell(cell) for cell in row] for row in sections[key].rows(data)
        )
        name = f"{filename}-{key}.csv"
    else:
        chosen = [sections[key]] if key else list(sections)
        answer = HttpResponse(workbook(chosen, data), content_type=XLSX_CONTENT_TYPE)
        name = f"{filename}-{key}.xlsx" if key else f"{filename}.xlsx"
    answer["Content-Disposition"] = f'attachment; filename="{name}"'
    return answer


def _csv_cell(cell):
    if isinstance(cell, str):
        return neutralise(cell)
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return "" if cell is None else cell


def workbook(sections: Iterable[Section], data) -> bytes:
    """An XLSX workbook with a sheet per section (werkplek.lib.spreadsheet.workbook)."""
    return spreadsheet.workbook((section.title, section.rows(data)) for section in sections)


def _too_little() -> str:
    return _("too little data")


# --- The program dashboard (kpis.dashboard.Dashboard) ------------------------------------


@PROGRAM_SECTIONS.section("levels", gettext_lazy("Levels per goal"))
def program_levels(dashboard):
    yield [_("Goal"), _("no level yet"), *[str(label) for label in Level.labels], "n"]
    for goal in dashboard.goals:
        counts = goal["counts"] or [_too_little(), *[None] * len(Level.values)]
        yield [goal["title"], *counts, goal["n"]]


@PROGRAM_SECTIONS.section("survival", gettext_lazy("Time to independence"))
def program_survival(dashboard):
    yield [_("Curve"), _("Day"), _("Still in the program (share)"), "n"]
    for name, data in dashboard.survival.items():
        for day, remaining in data.get("curve", []) if data.get("enough") else []:
            yield [str(SURVIVAL_LABELS[name]), day, remaining, data["n"]]


@PROGRAM_SECTIONS.section("builtin", gettext_lazy("Built-in KPIs"))
def program_builtin(dashboard):
    yield [_("KPI"), _("Value"), "n"]
    for row in dashboard.builtin:
        if row["enough"]:
            yield [str(row["name"]), row["value"], row["n"]]
        else:
            yield [str(row["name"]), _too_little(), None]


# --- The organisation dashboard (kpis.dashboard.OrganizationDashboard) ----------------------


@ORGANIZATION_SECTIONS.section("programs", gettext_lazy("Programs"))
def organization_programs(dashboard):
    yield [
        _("Program"),
        _("Status"),
        _("Calculated on"),
        _("Learners started"),
        _("Running"),
        _("Ended"),
        _("Ended as independent"),
        _("Median days to independence"),
        _("Lower quartile (days)"),
        _("Upper quartile (days)"),
        "n",
        _("Target (days)"),
        *[cell for name in dashboard.share_names for cell in (str(name), "n")],
        _("Needs attention"),
    ]
    for row in dashboard.programs:
        snapshot = row.snapshot
        cells = [row.program.name, row.program.get_status_display()]
        if snapshot is None:
            cells += [_("no data yet"), *[None] * 8, row.target_days]
            cells += [None] * (2 * len(dashboard.share_names) + 1)
            yield cells
            continue
        cells += [snapshot.day, snapshot.enrolments]
        cells += [snapshot.running, snapshot.ended, snapshot.independent]
        survival = row.time_to_independence
        if survival["enough"]:
            cells += [
                _not_reached(survival["median"]),
                _not_reached(survival["quartile_low"]),
                _not_reached(survival["quartile_high"]),
                survival["n"],
            ]
        else:
            cells += [_too_little(), None, None, None]
        cells.append(row.target_days)
        for share in row.shares:
            cells += [share["value"], share["n"]] if share["enough"] else [_too_little(), None]
        cells.append(row.attention)
        yield cells


def _not_reached(days):
    return _("not reached yet") if days is None else days


@PROGRAM_SECTIONS.section("kpis", gettext_lazy("KPIs"))
@ORGANIZATION_SECTIONS.section("kpis", gettext_lazy("KPIs"))
def kpi_trends(dashboard):
    yield [_("KPI"), _("Period"), _("Value"), "n", _("Baseline"), _("Target")]
    for trend in dashboard.kpis:
        kpi = trend["kpi"]
        for period in trend["periods"]:
            value = period["value"] if period["enough"] else _too_little()
            yield [
                kpi.name,
                period["period"],
                value,
                period["n"],
                kpi.baseline_value,
                kpi.target_value,
            ]


@PROGRAM_SECTIONS.section("impact", gettext_lazy("Impact"))
def program_impact(dashboard):
    """One line per estimate: each group's change against the baseline, then its differences
    against the comparisons; below the minimum only "too little data", never a number."""
    yield [
        _("KPI"),
        _("Group"),
        _("Compared with"),
        _("Estimate"),
        _("Lower end of the interval"),
        _("Upper end of the interval"),
        "n",
        _("n compared"),
        _("Verdict"),
    ]
    for trend in dashboard.kpis:
        if not trend["impact"]:
            continue
        kpi = trend["kpi"]
        for row in trend["impact"]["rows"]:
            group = row["group"] or _("since the first group started")
            estimates = [(_("baseline"), row["change"])]
            estimates += [(str(c["label"]), c["effect"]) for c in row["comparisons"]]
            for against, effect in estimates:
                if not effect["enough"]:
                    yield [kpi.name, group, against, _too_little(), *[None] * 5]
                    continue
                numbers = [
                    None if effect[key] is None else round(effect[key], kpi.decimals)
                    for key in ("estimate", "low", "high")
                ]
                yield [
                    kpi.name,
                    group,
                    against,
                    *numbers,
                    effect["n"],
                    effect["n_comparison"],
                    kpi_verdict(effect, kpi),
                ]
