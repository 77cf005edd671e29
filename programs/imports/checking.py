"""Finding the header, reading each learner's row, and checking it by the models' own rules."""

import datetime
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from programs import selectors
from programs.imports.reading import (
    MAX_ROWS,
    ImportFileError,
    cell_value,
    read_table,
    rows_below_header,
)
from programs.imports.template import EXAMPLE_EMAIL
from programs.models import Cohort, Enrolment, Invitation, may_coach_q, validate_plausible_date
from werkplek.choices import Role
from werkplek.lib.text import has_nul
from werkplek.models import Membership

HEADER_SEARCH_ROWS = 10
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y", "%d/%m/%y"]
# Excel counts days from 30 December 1899; these serials are 2000-01-01 and 2099-12-31.
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_SERIALS = range(36526, 73415)

# Column titles people actually type, in Dutch and English, mapped to one key each. Titles
# are compared as `column_key` makes them: "E-mailadres" is "emailadres".
COLUMNS = {
    "email": {"email", "emailadres", "emailaddress", "mail", "mailadres"},
    "name": {"name", "naam", "fullname", "volledigenaam", "naamlerende", "learner", "lerende"},
    "first_name": {"firstname", "voornaam", "roepnaam"},
    "infix": {"tussenvoegsel", "tussenvoegsels", "tv"},
    "last_name": {"lastname", "surname", "achternaam"},
    "team": {"team", "afdeling", "department"},
    "coach_email": {"coachemail", "emailcoach", "coach", "emailadrescoach", "coachemailadres"},
    "started_on": {"startdate", "startdatum", "start", "begindatum", "datumindienst"},
}


@dataclass
class ImportRow:
    """One learner's row of the spreadsheet, cleaned, with what is wrong with it."""

    line: int  # the spreadsheet's own row number
    email: str
    name: str = ""
    team: str = ""
    coach_email: str = ""
    started_on: str = ""  # ISO date once valid; the text as typed otherwise
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    is_new_user: bool = False  # new to this organisation: gets an invitation
    is_skipped: bool = False  # already in this group: listed, not imported again

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def start_date(self) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(self.started_on)
        except ValueError:
            return None


def column_key(title) -> str:
    """A title as compared: "Startdatum (dd-mm-jjjj)" and "E-mailadres*" are "startdatum"
    and "emailadres"."""
    title = re.sub(r"\(.*?\)", "", str(title or ""))
    return re.sub(r"[\s_.\-*:]+", "", title).lower()


def _column_map(header: list[str]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        for column, names in COLUMNS.items():
            if column_key(title) in names and column not in mapping:
                mapping[column] = index
    return mapping


def _has_required_columns(mapping: dict[str, int]) -> bool:
    return "email" in mapping and ("name" in mapping or "last_name" in mapping)


def _find_header(table: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The first row within the first few that names the e-mail and name columns."""
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        mapping = _column_map(row)
        if _has_required_columns(mapping):
            return index, mapping
    raise ImportFileError(
        _(
            "No header row with the columns e-mail and name was found in the first %(rows)s "
            "rows (also possible: team, coach, start date). Download the template to see how."
        )
        % {"rows": HEADER_SEARCH_ROWS}
    )


def rows_from_table(table: list[list[str]]) -> list[ImportRow]:
    """The learners' rows below the header, each with its spreadsheet row number."""
    mapping, found = rows_below_header(table, _find_header, _too_many_rows)
    rows = []
    for line, cells in found:
        parts = (cell_value(cells, mapping, c) for c in ("first_name", "infix", "last_name"))
        name = cell_value(cells, mapping, "name") or " ".join(part for part in parts if part)
        rows.append(
            ImportRow(
                line=line,
                email=cell_value(cells, mapping, "email").lower(),
                name=name,
                team=cell_value(cells, mapping, "team"),
                coach_email=cell_value(cells, mapping, "coach_email").lower(),
                started_on=cell_value(cells, mapping, "started_on"),
            )
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no learners."))
    return rows


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s learners. Split it into smaller files.")
        % {"max": MAX_ROWS}
    )


def read_rows(uploaded_file) -> list[ImportRow]:
    """The file's learners (not yet checked against the database)."""
    return rows_from_table(read_table(uploaded_file))


def parse_date(text: str) -> datetime.date | None:
    """A start date as people type it: 3-2-2027 is 3 February; ISO dates and Excel's day
    numbers (a date cell saved as a number) read too."""
    text = text.strip()
    if text.isdigit() and int(text) in EXCEL_SERIALS:
        return EXCEL_EPOCH + datetime.timedelta(days=int(text))
    text = text.split(" ")[0].split("T")[0]  # "2027-02-03 00:00:00" from a date-time cell
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def _field_errors(model, field_name: str, value: str) -> list[str]:
    """The model field's own validators (length, NUL characters) on a typed value."""
    try:
        model._meta.get_field(field_name).clean(value, None)
    except ValidationError as error:
        return error.messages
    return []


def _check_fields(row: ImportRow) -> None:
    try:
        validate_email(row.email)
    except ValidationError:
        row.errors.append(_("“%(email)s” is not a valid e-mail address.") % {"email": row.email})
    else:
        messages = _field_errors(Invitation, "email", row.email)
        row.errors += [_("E-mail address: %(error)s") % {"error": m} for m in messages]
    if row.is_new_user:
        if not row.name:
            row.errors.append(_("A new learner needs a name."))
        else:
            messages = _field_errors(Invitation, "name", row.name)
            row.errors += [_("Name: %(error)s") % {"error": m} for m in messages]
    if row.team:
        messages = set(_field_errors(Invitation, "team", row.team))
        messages |= set(_field_errors(Membership, "team", row.team))
        row.errors += [_("Team: %(error)s") % {"error": m} for m in sorted(messages)]


def _check_date(row: ImportRow, cohort: Cohort) -> None:
    if not row.started_on:
        row.started_on = cohort.starts_on.isoformat()
        return
    parsed = parse_date(row.started_on)
    if parsed is None:
        row.errors.append(
            _("“%(date)s” is not a date; write it as 31-12-2026 or 2026-12-31.")
            % {"date": row.started_on}
        )
        return
    try:
        validate_plausible_date(parsed)
    except ValidationError as error:
        row.errors += error.messages
    else:
        row.started_on = parsed.isoformat()


def check_rows(rows: list[ImportRow], cohort: Cohort) -> list[ImportRow]:
    """Fill in each row's errors and warnings against the database, in a fixed number of
    queries. People already in this group are skipped with a warning, so the same growing
    list can be sent each month."""
    organization = cohort.program.organization
    # An address with a NUL is an error of its row (below) and is never looked up: PostgreSQL
    # refuses a NUL in any string, also in a query.
    emails = {row.email for row in rows if not has_nul(row.email)}
    coach_emails = {row.coach_email for row in rows if not has_nul(row.coach_email)} - {""}
    # Only this organisation's own people count as known: whether an address has an
    # account elsewhere is not this manager's business, and is never shown.
    members = set(
        Membership.objects.current()
        .filter(organization=organization, user__email__in=emails)
        .values_list("user__email", flat=True)
    )
    # Each coach with whether their coach profile lets them coach this program.
    coaches = dict(
        Membership.objects.with_role(Role.COACH)
        .filter(organization=organization, user__email__in=coach_emails)
        .annotate(may_coach=may_coach_q(cohort.program))
        .values_list("user__email", "may_coach")
    )
    enrolled = dict(
        Enrolment.objects.active()
        .filter(cohort__program=cohort.program, learner__email__in=emails)
        .values_list("learner__email", "cohort_id")
    )
    invited = dict(
        Invitation.objects.open()
        .filter(cohort__program=cohort.program, email__in=emails)
        .values_list("email", "cohort_id")
    )
    seen = {}
    for row in rows:
        row.errors, row.warnings, row.is_skipped = [], [], False
        row.is_new_user = row.email not in members
        if row.email == EXAMPLE_EMAIL:
            row.is_skipped = True
            row.warnings.append(_("The template's example row, skipped."))
            continue
        if enrolled.get(row.email) == cohort.pk or invited.get(row.email) == cohort.pk:
            # Already in this group: whatever else the row says is not imported again.
            row.is_skipped = True
            row.warnings.append(
                _("Already enrolled in this group, skipped.")
                if row.email in enrolled
                else _("Already invited to this group, skipped.")
            )
            continue
        _check_fields(row)
        if row.email in seen:
            row.errors.append(
                _("This e-mail address is also on row %(line)s.") % {"line": seen[row.email]}
            )
        else:
            seen[row.email] = row.line
        if row.email in enrolled:
            row.errors.append(_("Already enrolled in another group of this program."))
        elif row.email in invited:
            row.errors.append(_("Already invited to another group of this program."))
        if row.coach_email and row.coach_email not in coaches:
            row.errors.append(
                _("“%(email)s” is not a coach in your organisation.") % {"email": row.coach_email}
            )
        elif row.coach_email and not coaches[row.coach_email]:
            row.errors.append(
                _(
                    "“%(email)s” may not coach %(program)s: their coach profile names other "
                    "programs."
                )
                % {"email": row.coach_email, "program": cohort.program.name}
            )
        if row.coach_email and row.coach_email == row.email:
            row.errors.append(_("A learner cannot be their own coach."))
        _check_date(row, cohort)
    return rows


def capacity_warnings(rows: list[ImportRow], cohort: Cohort) -> list[str]:
    """One line per coach whom the import would take past their capacity (one query)."""
    new = Counter(
        row.coach_email
        for row in rows
        if row.coach_email and not row.is_skipped and not has_nul(row.coach_email)
    )
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
