"""The import of a KPI's values: a spreadsheet as Dutch people save it, read by the learner
import's reader (`programs.imports`), each row checked by the same rules as manual entry
(`services.measurement_problems`, `services.subject_choices`) before anything is written."""

import datetime
import functools
import io
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from kpis.choices import Cadence, SubjectLevel
from kpis.forms import normalise_number
from kpis.models import KPI, SUBJECT_FIELDS
from kpis.services import measurement_problems, subject_choices
from programs.imports import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    XLSX_CONTENT_TYPE,
    ImportFileError,
    parse_date,
    read_table,
    too_large_message,
    upload_too_large,
)
from programs.imports.checking import HEADER_SEARCH_ROWS, column_key
from programs.imports.reading import OLE_MAGIC, ZIP_MAGIC, cell_value, rows_below_header
from werkplek.lib.text import has_nul

__all__ = [
    "MAX_FILE_BYTES",
    "upload_too_large",
    "XLSX_CONTENT_TYPE",
    "ImportFileError",
    "MeasurementRow",
    "check_rows",
    "read_rows",
    "subject_column",
    "template_xlsx",
    "too_large_message",
]

# Column titles people type, in Dutch and English, as `column_key` makes them.
COLUMNS = {
    "period": {"periode", "period", "datum", "date", "meetdatum", "maand", "month", "week"},
    "value": {"waarde", "value", "meting", "measurement", "uitkomst", "score"},
    "learner": {"email", "emailadres", "emailaddress", "mail", "mailadres"},
    "team": {"team", "afdeling", "department"},
    "cohort": {"groep", "group", "cohort"},
    "program": {"programma", "program", "leerprogramma"},
}

# What calamine gives for a number cell: Python's shortest text of the float.
FLOAT_TEXT = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
# A float that differs from a KPI's decimals by less than this is that decimal number:
# 0.1 + 0.2 typed as a formula is 0.30000000000000004 in the file.
FLOAT_NOISE = Decimal("1e-9")

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "januari", "january"),
            ("feb", "februari", "february"),
            ("mrt", "maart", "mar", "march"),
            ("apr", "april"),
            ("mei", "may"),
            ("jun", "juni", "june"),
            ("jul", "juli", "july"),
            ("aug", "augustus", "august"),
            ("sep", "sept", "september"),
            ("okt", "oktober", "oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


@dataclass
class MeasurementRow:
    """One value of the file, as typed, then read and checked."""

    line: int  # the spreadsheet's own row number
    subject: str
    period: str
    value: str
    # Filled in by check_rows:
    subject_id: int | None = None
    period_on: str = ""  # ISO date of the period's first day given
    period_start: str = ""  # ISO date of the KPI's period
    amount: str = ""  # the value as a decimal number
    previous: str = ""  # the value recorded before, where this row corrects it
    errors: list[str] = field(default_factory=list)
    is_skipped: bool = False  # the same value is recorded already

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def typed(cls, data: dict) -> "MeasurementRow":
        """A stored row as it was typed, to be checked again."""
        return cls(
            line=data["line"], subject=data["subject"], period=data["period"], value=data["value"]
        )

    @property
    def is_correction(self) -> bool:
        return bool(self.previous)

    @property
    def period_date(self) -> datetime.date | None:
        return datetime.date.fromisoformat(self.period_start) if self.period_start else None

    @property
    def decimal(self) -> Decimal | None:
        return Decimal(self.amount) if self.amount else None


def subject_column(kpi: KPI) -> str | None:
    """The column naming what each value is about; None where the KPI's level needs none (the
    organisation, or the program of a program's KPI)."""
    column = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    if column == "program" and kpi.program_id:
        return None
    return column


def headers(kpi: KPI) -> list[str]:
    """The template's column titles in the active language."""
    titles = {
        "learner": _("E-mail address"),
        "team": _("Team"),
        "cohort": _("Group"),
        "program": _("Program"),
    }
    column = subject_column(kpi)
    return [*([titles[column]] if column else []), _("Period"), _("Value")]


def _column_map(header: list[str]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        for column, names in COLUMNS.items():
            if column_key(title) in names and column not in mapping:
                mapping[column] = index
    return mapping


def _find_header(kpi: KPI, table: list[list[str]]) -> tuple[int, dict[str, int]]:
    required = {"period", "value", *filter(None, [subject_column(kpi)])}
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        mapping = _column_map(row)
        if required <= set(mapping):
            return index, mapping
    raise ImportFileError(
        _(
            "No header row with the columns %(columns)s was found in the first %(rows)s rows. "
            "Download the template to see how."
        )
        % {"columns": ", ".join(headers(kpi)), "rows": HEADER_SEARCH_ROWS}
    )


def rows_from_table(kpi: KPI, table: list[list[str]]) -> list[MeasurementRow]:
    """The values below the header, each with its spreadsheet row number."""
    mapping, found = rows_below_header(table, functools.partial(_find_header, kpi), _too_many_rows)
    rows = []
    for line, cells in found:
        rows.append(
            MeasurementRow(
                line=line,
                subject=cell_value(cells, mapping, subject_column(kpi)),
                period=cell_value(cells, mapping, "period"),
                value=cell_value(cells, mapping, "value"),
            )
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no values."))
    return rows


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s values. Split it into smaller files.") % {"max": MAX_ROWS}
    )


def read_rows(kpi: KPI, uploaded_file) -> tuple[list[MeasurementRow], bool]:
    """The file's values (not yet checked), and whether it is a spreadsheet (its numbers are
    the cells' own, not text as typed)."""
    head = uploaded_file.read(len(OLE_MAGIC))
    uploaded_file.seek(0)
    is_spreadsheet = head.startswith((ZIP_MAGIC, OLE_MAGIC))
    return rows_from_table(kpi, read_table(uploaded_file)), is_spreadsheet


def parse_value(text: str, *, decimals: int, from_cell: bool) -> Decimal | None:
    """A value as a Dutch spreadsheet saves it: "112,5", "1.234,5", "4,2%" (is 4.2), or a
    spreadsheet's number cell, which is read as its decimal digits and freed of float noise."""
    text = text.strip()
    if from_cell and FLOAT_TEXT.fullmatch(text):
        number = Decimal(text)
        rounded = round(number, decimals)
        return rounded if abs(number - rounded) < FLOAT_NOISE else number
    text = text.removesuffix("%").strip()
    if not text:
        return None
    try:
        number = Decimal(normalise_number(text))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_period(text: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of a period as people write it: a date (3-2-2027, ISO, an Excel
    day number), a month ("2026-10", "10-2026", "okt 2026"), a quarter ("2026-Q3", "Q3 2026")
    or a week ("week 41 2026", "2026-W41")."""
    text = text.strip().lower()
    day = parse_date(text)
    if day is not None:
        return day, day
    try:
        if match := re.fullmatch(r"(\d{4})[-/](\d{1,2})", text):
            return _month(int(match[1]), int(match[2]))
        if match := re.fullmatch(r"(\d{1,2})[-/](\d{4})", text):
            return _month(int(match[2]), int(match[1]))
        if match := re.fullmatch(r"([a-z]+)\.?[\s-]*(\d{4})", text):
            if match[1] in MONTHS:
                return _month(int(match[2]), MONTHS[match[1]])
        if match := re.fullmatch(r"(\d{4})[\s-]*[qk]([1-4])|[qk]([1-4])[\s-]*(\d{4})", text):
            year, quarter = int(match[1] or match[4]), int(match[2] or match[3])
            first = datetime.date(year, quarter * 3 - 2, 1)
            return first, _month(year, quarter * 3)[1]
        if match := re.fullmatch(r"(?:week|wk|w)\s*(\d{1,2})[\s,/-]+(\d{4})", text):
            week, year = int(match[1]), int(match[2])
        elif match := re.fullmatch(r"(\d{4})-?w(\d{1,2})", text):
            year, week = int(match[1]), int(match[2])
        else:
            return None
        monday = datetime.date.fromisocalendar(year, week, 1)
    except ValueError:  # month 13, week 54, year 0
        return None
    return monday, monday + datetime.timedelta(days=6)


def _month(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    first = datetime.date(year, month, 1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _subjects(kpi: KPI, rows: list[MeasurementRow]) -> dict[str, int | str]:
    """The subjects the rows name that the KPI may be about, by the text as compared (lower
    case), to their id (a team: its name as the organisation writes it). One query."""
    column = subject_column(kpi)
    choices = subject_choices(kpi)
    names = {row.subject.lower() for row in rows if row.subject and not has_nul(row.subject)}
    if column == "learner":
        found = choices.filter(email__in=names).values_list("email", "pk")
    elif column == "team":
        found = ((team, team) for team in choices)
    elif column in ("cohort", "program"):
        found = choices.values_list("name", "pk")
    else:
        return {}
    subjects, seen_twice = {}, set()
    for name, key in found:
        if name.lower() in subjects and subjects[name.lower()] != key:
            seen_twice.add(name.lower())
        subjects[name.lower()] = key
    return {name: key for name, key in subjects.items() if name not in seen_twice}


def _unknown_subject(kpi: KPI, text: str) -> str:
    column = subject_column(kpi)
    if not text:
        return {
            "learner": _("The e-mail address is missing."),
            "team": _("The team is missing."),
            "cohort": _("The group is missing."),
            "program": _("The program is missing."),
        }[column]
    return {
        "learner": _("Nobody in your organisation has the e-mail address “%(text)s”."),
        "team": _("Your organisation has no team “%(text)s”."),
        "cohort": _("This KPI's program has no group “%(text)s” (or several)."),
        "program": _("Your organisation has no program “%(text)s” (or several)."),
    }[column] % {"text": text}


def _check_period(kpi: KPI, row: MeasurementRow) -> datetime.date | None:
    span = parse_period(row.period)
    if span is None:
        row.errors.append(
            _("“%(text)s” is not a period; write a date such as 31-12-2026, or 2026-12.")
            % {"text": row.period}
        )
        return None
    first, last = span
    if kpi.period_for(first) != kpi.period_for(last):
        row.errors.append(
            _("“%(text)s” is longer than one period of this KPI: give a date.")
            % {"text": row.period}
        )
        return None
    return first


def check_rows(kpi: KPI, rows: list[MeasurementRow], *, from_cells: bool) -> list[MeasurementRow]:
    """Fill in each row's reading and errors, by the rules `measurement_record` enforces, in
    a fixed number of queries. A value already recorded is skipped, so the same growing file
    can be sent each month; a different one is marked as a correction."""
    column = subject_column(kpi)
    subjects = _subjects(kpi, rows)
    for row in rows:
        row.errors, row.previous, row.is_skipped = [], "", False
        row.subject_id, row.period_on, row.period_start, row.amount = None, "", "", ""
        if column:
            key = subjects.get(row.subject.lower())
            if key is None:
                row.errors.append(_unknown_subject(kpi, row.subject))
            row.subject_id = key if column != "team" else None
            if column == "team" and key:
                row.subject = key
        period = _check_period(kpi, row)
        value = parse_value(row.value, decimals=kpi.decimals, from_cell=from_cells)
        if value is None:
            row.errors.append(_("“%(text)s” is not a number.") % {"text": row.value})
        if period is not None:
            row.period_on = period.isoformat()
            row.period_start = kpi.period_for(period).isoformat()
        if period is not None and value is not None:
            row.amount = str(value)
            row.errors += measurement_problems(kpi, period, value).values()
    _check_duplicates(kpi, rows)
    _check_existing(kpi, rows)
    return rows


def _subject_key(kpi: KPI, row: MeasurementRow):
    return row.subject if subject_column(kpi) == "team" else row.subject_id


def _check_duplicates(kpi: KPI, rows: list[MeasurementRow]) -> None:
    seen = {}
    for row in rows:
        if not row.period_start or (subject_column(kpi) and not _subject_key(kpi, row)):
            continue
        key = (_subject_key(kpi, row), row.period_start)
        if key in seen:
            row.errors.append(_("The same period is also on row %(line)s.") % {"line": seen[key]})
        else:
            seen[key] = row.line


def _check_existing(kpi: KPI, rows: list[MeasurementRow]) -> None:
    """The values already recorded for the rows' periods (one query): the same value is
    skipped, another one is a correction."""
    periods = {row.period_start for row in rows if row.period_start}
    field_name = SUBJECT_FIELDS[SubjectLevel(kpi.subject_level)]
    key_field = {"learner": "learner_id", "cohort": "cohort_id", "program": "program_id"}.get(
        field_name, field_name
    )
    recorded = {}
    for measurement in kpi.measurements.current().filter(period_start__in=periods):
        subject = getattr(measurement, key_field) if key_field else None
        recorded[(subject, measurement.period_start.isoformat())] = measurement.value
    program_subject = field_name == "program" and not subject_column(kpi)
    for row in rows:
        if row.errors or not row.amount:
            continue
        subject = kpi.program_id if program_subject else _subject_key(kpi, row)
        previous = recorded.get((subject, row.period_start))
        if previous is None:
            continue
        if previous == Decimal(row.amount):
            row.is_skipped = True
        else:
            row.previous = str(previous)


def template_xlsx(kpi: KPI) -> bytes:
    """The spreadsheet to fill in for this KPI: its columns, and a sheet of notes with an
    example row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Measurements")
    titles = headers(kpi)
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in "ABC"[: len(titles)]:
        sheet.column_dimensions[column].width = 30
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("Notes"))
    notes.column_dimensions["A"].width = 100
    unit = f" ({kpi.unit})" if kpi.unit else ""
    for line in (
        _("How to fill in the sheet “%(sheet)s” for the KPI “%(kpi)s”")
        % {"sheet": sheet.title, "kpi": kpi.name},
        _("One value per row, below the header. An example row:"),
        "   ".join(titles),
        "   ".join([*_example_subject(kpi), "31-10-2026", "112,5"]),
        _(
            "Period: a day of the period measured (%(cadence)s), such as 31-10-2026; a month "
            "(2026-10), quarter (2026-Q4) or week (week 41 2026) within one period also reads."
        )
        % {"cadence": Cadence(kpi.cadence).label},
        _("Value%(unit)s: a number with at most %(decimals)s digits after the decimal comma.")
        % {"unit": unit, "decimals": kpi.decimals},
        _(
            "Type a percentage as the number of percent, such as 4,2: a cell formatted as a "
            "percentage holds the fraction, 0,042."
        ),
        _(
            "A value already recorded for the same period is skipped; a different one "
            "corrects it once you confirm that in the preview, and the old value stays in "
            "the history."
        ),
        _("Save as .xlsx, .ods or .csv. At most 1,000 values and 2 MB per file."),
    ):
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_subject(kpi: KPI) -> list[str]:
    column = subject_column(kpi)
    examples = {
        "learner": "naam@example.org",
        "team": _("Inbound"),
        "cohort": _("Pilot group"),
        "program": _("Onboarding"),
    }
    return [examples[column]] if column else []
