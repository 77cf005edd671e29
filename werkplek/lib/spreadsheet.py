"""Cells written to files people open in a spreadsheet, and the XLSX workbook they go in.

Names are typed by users: a text cell is never a formula. XLSX cells are written as strings,
with XlsxWriter's guessing of formulas and links switched off, and numbers as numbers so
that they can be summed; CSV cells starting with a formula character get a leading quote.
"""

import datetime
import io
import re
from collections.abc import Iterable
from decimal import Decimal

import xlsxwriter
from django.http import HttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_LENGTH = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
COLUMN_WIDTH = (8, 60)  # characters: the narrowest and widest a column is made


def neutralise(cell):
    """A text cell that would start a formula, made plain text with a leading quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def workbook(sheets: Iterable[tuple[str, Iterable[list]]]) -> bytes:
    """An XLSX workbook with a sheet per (title, rows), the header row first: bold, frozen
    header, columns as wide as their contents (within limits). Cells are text, numbers
    (int, float, Decimal), dates or None."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    styles = {
        "header": book.add_format({"bold": True}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    used = set()
    for title, rows in sheets:
        sheet = book.add_worksheet(_sheet_name(str(title), used))
        _write_rows(sheet, rows, styles)
    book.close()
    return output.getvalue()


def download(rows: Iterable[list], *, sheet: str, filename: str) -> HttpResponse:
    """A one-sheet workbook of `rows` as a file to download, `filename`.xlsx."""
    answer = HttpResponse(workbook([(sheet, rows)]), content_type=XLSX_CONTENT_TYPE)
    answer["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return answer


def _sheet_name(title: str, used: set) -> str:
    """`title` as Excel allows a sheet's name: without []:*?/\\, no quote at either end,
    at most 31 characters, and not the same as another sheet's."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", title).strip("' ")[:SHEET_NAME_LENGTH] or "Sheet"
    candidate, number = name, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate = name[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        number += 1
    used.add(candidate.lower())
    return candidate


def _write_rows(sheet, rows: Iterable[list], styles: dict) -> None:
    widths = []
    for row_index, row in enumerate(rows):
        for column, cell in enumerate(row):
            if row_index == 0:
                sheet.write_string(row_index, column, str(cell), styles["header"])
            elif cell is None or cell == "":
                continue
            elif isinstance(cell, int | float | Decimal):
                sheet.write_number(row_index, column, float(cell))
            elif isinstance(cell, datetime.date):
                sheet.write_datetime(row_index, column, cell, styles["date"])
            else:
                sheet.write_string(row_index, column, str(cell))
            text = cell.isoformat() if isinstance(cell, datetime.date) else str(cell)
            if column >= len(widths):
                widths.append(0)
            widths[column] = max(widths[column], len(text))
    sheet.freeze_panes(1, 0)
    low, high = COLUMN_WIDTH
    for column, width in enumerate(widths):
        sheet.set_column(column, column, min(max(width + 2, low), high))
