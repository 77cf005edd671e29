"""The spreadsheet a manager downloads to fill in: the headers the import reads, one example
row (skipped when the list comes back), and a sheet of notes."""

import io

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from programs.models import Cohort

# The example row's address; a list that still has it imports everything but that row.
EXAMPLE_EMAIL = "voorbeeld@example.org"


def headers() -> list[str]:
    """The column titles in the active language; the import reads Dutch and English alike."""
    return [_("E-mail address"), _("Name"), _("Team"), _("Coach e-mail"), _("Start date")]


def template_xlsx(cohort: Cohort) -> bytes:
    """The template for this group, with its start date in the example row."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Learners")
    sheet.append(headers())
    sheet.append([EXAMPLE_EMAIL, _("Sam Example"), _("Inbound"), "", cohort.starts_on])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet["E2"].number_format = "d-m-yyyy"
    for column, width in zip("ABCDE", (34, 26, 18, 34, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("Notes"))
    notes.column_dimensions["A"].width = 100
    for line in (
        _("How to fill in this list"),
        _("One learner per row, below the header. The example row is skipped; you may delete it."),
        _(
            "E-mail address and name are required. Someone new to your organisation gets an "
            "invitation by e-mail; someone already in it is enrolled at once."
        ),
        _("Team is optional. Coach e-mail: the address of a coach in your organisation, or empty."),
        _("Start date: a date such as 31-12-2026, or empty for the group's start date."),
        _(
            "You may send the same list again later with new people added: people already in "
            "the group are skipped."
        ),
        _("Save as .xlsx, .ods or .csv. At most 1,000 learners and 2 MB per file."),
    ):
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
