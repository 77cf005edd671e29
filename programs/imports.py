"""Reading a learner list (CSV or XLSX) and checking every row before anything is written."""

import csv
import datetime
import io
import itertools
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from programs import selectors
from programs.models import EARLIEST_DATE, LATEST_DATE, Cohort, Enrolment, Invitation
from werkplek.choices import Role
from werkplek.models import Membership

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y", "%d/%m/%y"]

# Column titles people actually type, in Dutch and English, mapped to one key each.
COLUMNS = {
    "email": {"email", "e-mail", "e-mailadres", "emailadres", "emailaddress", "e-mailaddress"},
    "name": {"name", "naam", "fullname", "volledigenaam"},
    "team": {"team", "afdeling"},
    "coach_email": {"coachemail", "coache-mail", "e-mailcoach", "emailcoach", "coach"},
    "started_on": {"startdate", "startdatum", "start", "begindatum"},
}
REQUIRED_COLUMNS = ["email", "name"]


@dataclass
class ImportRow:
    """One line of the file, cleaned, with what is wrong with it."""

    line: int
    email: str
    name: str = ""
    team: str = ""
    coach_email: str = ""
    started_on: str = ""  # ISO date once valid; the text as typed otherwise
    errors: list[str] = field(default_factory=list)
    is_new_user: bool = False  # new to this organisation: gets an invitation

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def start_date(self) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(self.started_on)
        except ValueError:
            return None


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, translated."""


def _key(title) -> str:
    return re.sub(r"[\s_]+", "", str(title or "")).lower()


def _column_map(header) -> dict[int, str]:
    mapping = {}
    for index, title in enumerate(header):
        for column, names in COLUMNS.items():
            if _key(title) in names and column not in mapping.values():
                mapping[index] = column
    missing = [c for c in REQUIRED_COLUMNS if c not in mapping.values()]
    if missing:
        raise ImportFileError(
            _("The file needs the columns e-mail and name (also: team, coach e-mail, start date).")
        )
    return mapping


def _rows_from_csv(content: bytes) -> list[list]:
    # Excel on Windows saves CSV as cp1252; latin-1 decodes anything, so it comes last.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise ImportFileError(
            _("This CSV file cannot be read. Save it again from Excel as CSV.")
        ) from error


def _rows_from_xlsx(content: bytes) -> list[list]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("This Excel file cannot be read. Save it again as .xlsx.")
        ) from error
    sheet = workbook.worksheets[0]
    # Read one row past the limit, so that an oversized file is refused without loading it all.
    rows = [list(row) for row in itertools.islice(sheet.iter_rows(values_only=True), MAX_ROWS + 2)]
    workbook.close()
    return rows


def read_rows(uploaded_file) -> list[ImportRow]:
    """The file's data rows (not yet checked against the database)."""
    if uploaded_file.size > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB. Split it into smaller files."))
    content = uploaded_file.read()
    name = uploaded_file.name.lower()
    if name.endswith(".xlsx"):
        table = _rows_from_xlsx(content)
    elif name.endswith((".csv", ".txt")):
        table = _rows_from_csv(content)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    table = [row for row in table if any(str(cell or "").strip() for cell in row)]
    if not table:
        raise ImportFileError(_("The file is empty."))
    mapping = _column_map(table[0])
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)s learners. Split it into smaller files.")
            % {"max": MAX_ROWS}
        )
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {column: cells[i] if i < len(cells) else "" for i, column in mapping.items()}
        started_on = values.get("started_on")
        if isinstance(started_on, datetime.datetime):
            started_on = started_on.date()
        rows.append(
            ImportRow(
                line=line,
                email=str(values.get("email") or "").strip().lower(),
                name=str(values.get("name") or "").strip(),
                team=str(values.get("team") or "").strip(),
                coach_email=str(values.get("coach_email") or "").strip().lower(),
                started_on=started_on.isoformat()
                if isinstance(started_on, datetime.date)
                else str(started_on or "").strip(),
            )
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no learners."))
    return rows


def _parse_date(text: str) -> datetime.date | None:
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def check_rows(rows: list[ImportRow], cohort: Cohort) -> list[ImportRow]:
    """Fill in each row's errors against the database, in a fixed number of queries."""
    organization = cohort.program.organization
    emails = {row.email for row in rows}
    coach_emails = {row.coach_email for row in rows if row.coach_email}
    # Only this organisation's own people count as known: whether an address has an
    # account elsewhere is not this manager's business, and is never shown.
    members = set(
        Membership.objects.current()
        .filter(organization=organization, user__email__in=emails)
        .values_list("user__email", flat=True)
    )
    coaches = set(
        Membership.objects.with_role(Role.COACH)
        .filter(organization=organization, user__email__in=coach_emails)
        .values_list("user__email", flat=True)
    )
    enrolled = set(
        Enrolment.objects.active()
        .filter(cohort__program=cohort.program, learner__email__in=emails)
        .values_list("learner__email", flat=True)
    )
    invited = set(
        Invitation.objects.open()
        .filter(cohort__program=cohort.program, email__in=emails)
        .values_list("email", flat=True)
    )
    seen = {}
    for row in rows:
        row.errors = []
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(
                _("“%(email)s” is not a valid e-mail address.") % {"email": row.email}
            )
        if row.email in seen:
            row.errors.append(
                _("This e-mail address is also on line %(line)s.") % {"line": seen[row.email]}
            )
        else:
            seen[row.email] = row.line
        row.is_new_user = row.email not in members
        if row.is_new_user and not row.name:
            row.errors.append(_("A new learner needs a name."))
        if row.email in enrolled:
            row.errors.append(_("Already enrolled in this program."))
        if row.email in invited:
            row.errors.append(_("Already invited to this program."))
        if row.coach_email and row.coach_email not in coaches:
            row.errors.append(
                _("“%(email)s” is not a coach in your organisation.") % {"email": row.coach_email}
            )
        if row.coach_email and row.coach_email == row.email:
            row.errors.append(_("A learner cannot be their own coach."))
        if row.started_on:
            parsed = _parse_date(row.started_on)
            if parsed is not None and not EARLIEST_DATE <= parsed <= LATEST_DATE:
                parsed = None
            if parsed is None:
                row.errors.append(
                    _("“%(date)s” is not a date; write it as 31-12-2026 or 2026-12-31.")
                    % {"date": row.started_on}
                )
            else:
                row.started_on = parsed.isoformat()
        else:
            row.started_on = cohort.starts_on.isoformat()
    return rows


def capacity_warnings(rows: list[ImportRow], cohort: Cohort) -> list[str]:
    """One line per coach whom the import would take past their capacity (one query)."""
    new = Counter(row.coach_email for row in rows if row.coach_email)
    warnings = []
    for load in selectors.coach_loads(cohort.program.organization).filter(user__email__in=new):
        if not load.has_room_for(new[load.user.email]):
            warnings.append(
                _(
                    "%(name)s guides %(active)s learners with a capacity of %(capacity)s; "
                    "this list adds %(new)s."
                )
                % {
                    "name": load.user.name,
                    "active": load.active_learners,
                    "capacity": load.coach_capacity,
                    "new": new[load.user.email],
                }
            )
    return warnings
