"""The import of ratings: a spreadsheet as people save it (title rows, semicolons, Windows-1252,
4,0 for 4), read by the learner import's reader and checked row by row before anything is
written. One row is one person's rating of one goal."""

import io
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from programs.imports import MAX_ROWS, ImportFileError, read_table
from programs.imports.checking import HEADER_SEARCH_ROWS, column_key
from programs.imports.reading import cell_value, rows_below_header
from programs.imports.template import EXAMPLE_EMAIL
from programs.needs.models import RATING_MAX, RATING_MIN, NeedsAnalysis, NeedsRating
from werkplek.lib.text import has_nul
from werkplek.models import Membership

# Column titles people type, in Dutch and English, as `column_key` makes them.
COLUMNS = {
    "email": {"email", "emailadres", "emailaddress", "mail", "mailadres"},
    "goal": {"goal", "leerdoel", "doel", "learninggoal"},
    "importance": {"importance", "belang", "belangrijk", "hoebelangrijk"},
    "ability": {"ability", "abilitytoday", "kunnen", "kunnennu", "nu", "vaardigheid"},
}


@dataclass
class RatingRow:
    """One row of the file, as typed, then read and checked."""

    line: int  # the spreadsheet's own row number
    email: str
    goal: str
    importance: str
    ability: str
    # Filled in by check_rows:
    goal_id: int | None = None
    importance_value: int | None = None
    ability_value: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    is_skipped: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def typed(cls, data: dict) -> "RatingRow":
        """A stored row as it was typed, to be checked again."""
        return cls(
            line=data["line"],
            email=data["email"],
            goal=data["goal"],
            importance=data["importance"],
            ability=data["ability"],
        )


def headers() -> list[str]:
    """The template's column titles in the active language."""
    return [_("E-mail address"), _("Learning goal"), _("Importance"), _("Ability today")]


def _column_map(header: list[str]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        for column, names in COLUMNS.items():
            if column_key(title) in names and column not in mapping:
                mapping[column] = index
    return mapping


def _find_header(table: list[list[str]]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        mapping = _column_map(row)
        if set(COLUMNS) <= set(mapping):
            return index, mapping
    raise ImportFileError(
        _(
            "No header row with the columns %(columns)s was found in the first %(rows)s rows. "
            "Download the template to see how."
        )
        % {"columns": ", ".join(headers()), "rows": HEADER_SEARCH_ROWS}
    )


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s ratings. Split it into smaller files.")
        % {"max": MAX_ROWS}
    )


def rows_from_table(table: list[list[str]]) -> list[RatingRow]:
    """The ratings below the header, each with its spreadsheet row number."""
    mapping, found = rows_below_header(table, _find_header, _too_many_rows)
    rows = []
    for line, cells in found:
        rows.append(
            RatingRow(
                line=line,
                email=cell_value(cells, mapping, "email").lower(),
                goal=cell_value(cells, mapping, "goal"),
                importance=cell_value(cells, mapping, "importance"),
                ability=cell_value(cells, mapping, "ability"),
            )
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no ratings."))
    return rows


def read_rows(uploaded_file) -> list[RatingRow]:
    """The file's ratings (not yet checked against the database)."""
    return rows_from_table(read_table(uploaded_file))


def parse_rating(text: str) -> int | None:
    """A whole number from 1 to 5 as people type it: 4, 4,0 and 4.0 are 4; 3,5 is none."""
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    value = int(number)
    return value if RATING_MIN <= value <= RATING_MAX else None


def _goal_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def check_rows(rows: list[RatingRow], analysis: NeedsAnalysis) -> list[RatingRow]:
    """Fill in each row's errors against the database in a fixed number of queries. A goal is
    named by its title or its number in the program; a person already rated on a goal this
    round is skipped with a warning, so their own answer is never overwritten."""
    program = analysis.program
    goals = list(program.goals.all())
    by_name = {_goal_key(goal.title): goal for goal in goals}
    by_number = {str(number): goal for number, goal in enumerate(goals, start=1)}
    emails = {row.email for row in rows if not has_nul(row.email)}
    members = set(
        Membership.objects.current()
        .filter(organization=program.organization, user__email__in=emails)
        .values_list("user__email", flat=True)
    )
    rated = set(
        NeedsRating.objects.filter(
            request__analysis=analysis, request__person__email__in=emails
        ).values_list("request__person__email", "goal")
    )
    seen = {}
    for row in rows:
        row.errors, row.warnings, row.is_skipped = [], [], False
        if row.email == EXAMPLE_EMAIL:
            row.is_skipped = True
            row.warnings.append(_("The template's example row, skipped."))
            continue
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(
                _("“%(email)s” is not a valid e-mail address.") % {"email": row.email}
            )
        else:
            if row.email not in members:
                row.errors.append(
                    _("“%(email)s” is not in your organisation.") % {"email": row.email}
                )
        goal = by_name.get(_goal_key(row.goal)) or by_number.get(row.goal)
        if goal is None:
            row.errors.append(
                _("“%(goal)s” is not a learning goal of this program; use its title or number.")
                % {"goal": row.goal}
            )
        else:
            row.goal_id = goal.pk
        for typed, name, label in (
            (row.importance, "importance_value", _("Importance")),
            (row.ability, "ability_value", _("Ability today")),
        ):
            value = parse_rating(typed)
            setattr(row, name, value)
            if value is None:
                row.errors.append(
                    _("%(column)s: “%(value)s” is not a whole number from 1 to 5.")
                    % {"column": label, "value": typed}
                )
        if goal is None or row.errors:
            continue
        key = (row.email, goal.pk)
        if key in rated:
            row.is_skipped = True
            row.warnings.append(_("Already rated this round, skipped."))
        elif key in seen:
            row.errors.append(
                _("This person rates this goal on row %(line)s too.") % {"line": seen[key]}
            )
        else:
            seen[key] = row.line
    return rows


def template_xlsx(analysis: NeedsAnalysis) -> bytes:
    """The list to fill in: one example row, and the program's goals with their numbers."""
    goals = list(analysis.program.goals.all())
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Ratings")
    sheet.append(headers())
    sheet.append([EXAMPLE_EMAIL, goals[0].title if goals else "1", 4, 2])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCD", (34, 40, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("Notes"))
    notes.column_dimensions["A"].width = 100
    for line in (
        _("How to fill in this list"),
        _("One rating per row: a person, a learning goal, and two numbers from 1 to 5."),
        _("Importance: 1 hardly matters in the work, 5 essential."),
        _("Ability today: 1 cannot do it yet, 5 can do it fully."),
        _("Name the learning goal by its title or by its number below."),
        _("A person who already rated a goal this round is skipped: their answer stays."),
        _("Save as .xlsx, .ods or .csv. At most 1,000 ratings and 2 MB per file."),
        "",
        _("Learning goals of this program"),
    ):
        notes.append([line])
    for number, goal in enumerate(goals, start=1):
        notes.append([f"{number}. {goal.title}"])
    notes["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
