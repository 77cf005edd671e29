"""Turning an upload into a table of text cells, whatever program saved it.

A spreadsheet (XLSX, ODS, old XLS) is opened only after its zip parts are checked for size and
compression ratio, and then parsed in a child process with memory and CPU limits: a crafted file
can cost that child its life, never the worker that serves everyone else.
"""

import csv
import io
import json
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
# The most rows read from a file: title rows, blank rows and the header besides the learners.
# A table that still goes on after these is refused, never cut short.
MAX_TABLE_ROWS = 5 * MAX_ROWS

# Limits for the unpacked parts of an XLSX or ODS file. A real learner list of 1,000 rows
# unpacks to about 1 MB; text compresses ten to twenty times.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1024 * 1024  # small parts (styles, an empty sheet) may compress better
MAX_PARTS = 1000

# The child that parses a spreadsheet: enough for a 2 MB file of 1,000 rows, far from what
# would hurt the machine.
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
CHILD_CPU_SECONDS = 10
CHILD_TIMEOUT_SECONDS = 20
SHEET_READER = Path(__file__).with_name("sheet_reader.py")

CONTROL_BYTES = [*range(0, 9), *range(14, 32)]  # not tab, line feed, carriage return
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc) files


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, translated."""


def rows_below_header(table, find_header, too_many) -> tuple[dict[str, int], list]:
    """The header's columns (`find_header(table)` answers its row and its mapping) and the
    rows below it that hold anything, each as (spreadsheet row number, cells). Blank rows at
    the end are dropped; blank rows between are skipped, and the rows below keep their own
    numbers. An empty file is refused, and so is more than MAX_ROWS rows (`too_many()` says
    it in the words of what is imported)."""
    end = len(table)
    while end and not any(str(cell).strip() for cell in table[end - 1]):
        end -= 1
    table = table[:end]
    if not table:
        raise ImportFileError(_("The file is empty."))
    if len(table) > MAX_TABLE_ROWS:
        raise too_many()
    header_index, mapping = find_header(table)
    rows = []
    for index, cells in enumerate(table[header_index + 1 :], start=header_index + 1):
        if not any(str(cell).strip() for cell in cells):
            continue
        if len(rows) == MAX_ROWS:
            raise too_many()
        rows.append((index + 1, cells))
    return mapping, rows


def cell_value(cells: list[str], mapping: dict[str, int], column: str | None) -> str:
    """The row's value in the column, trimmed; empty when the file has no such column."""
    index = mapping.get(column)
    if index is None or index >= len(cells):
        return ""
    return str(cells[index]).strip()


def too_large_message() -> str:
    return _("The file is larger than 2 MB. Split it into smaller files.")


# An upload's body may be a little larger than the file: the multipart headers around it.
MAX_UPLOAD_REQUEST_BYTES = MAX_FILE_BYTES + 64 * 1024


def upload_too_large(request) -> bool:
    """Whether an upload's declared body is larger than any file we accept: asked before
    anything reads the body, so an oversized upload is never written to memory or disk."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_REQUEST_BYTES
    except ValueError:
        return True


def read_table(uploaded_file) -> list[list[str]]:
    """The first sheet's rows as text, blank rows kept, so index + 1 is the row number."""
    if uploaded_file.size > MAX_FILE_BYTES:
        raise ImportFileError(too_large_message())
    content = uploaded_file.read()
    name = uploaded_file.name.lower()
    # What the file is decides how to read it, not its name: a list saved as .xlsx and
    # renamed to .csv still reads.
    if content.startswith(ZIP_MAGIC):
        _check_zip(content)
        return _read_spreadsheet(content)
    if content.startswith(OLE_MAGIC):
        return _read_spreadsheet(content)
    if name.endswith((".xlsx", ".xlsm", ".ods", ".xls")):
        raise ImportFileError(
            _("This spreadsheet cannot be read. Save it again as .xlsx, .ods or .csv.")
        )
    if not name.endswith((".csv", ".txt")):
        raise ImportFileError(_("Upload a .xlsx, .ods, .xls or .csv file."))
    return _read_csv(content)


def _looks_like_utf16(content: bytes) -> bool:
    """A byte order mark, or text whose every other byte is zero (Latin letters in UTF-16)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = content[:400]
    pairs = len(head) // 2
    odd, even = head[1::2].count(0), head[0::2].count(0)
    return pairs >= 4 and max(odd, even) > 0.4 * pairs and min(odd, even) < 0.1 * pairs


def _decode(content: bytes) -> str:
    if _looks_like_utf16(content):
        raise ImportFileError(
            _(
                "This file is saved as Unicode text (UTF-16), which cannot be read. "
                "In Excel choose “Save as” and then “CSV UTF-8” or “Excel workbook (.xlsx)”."
            )
        )
    # A stray control character is a row's problem, named by its row number; many of them
    # make it no text file.
    controls = sum(content.count(bytes([code])) for code in CONTROL_BYTES)
    if controls > max(8, len(content) // 100):
        raise ImportFileError(_("This is not a text file. Upload the list as .xlsx or .csv."))
    # Excel on Windows saves CSV as Windows-1252; latin-1 decodes the bytes cp1252 leaves
    # undefined, so it comes last.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _delimiter(text: str) -> str:
    """The separator that splits the most lines alike: Dutch Excel writes ";", others ","
    or a tab. (csv.Sniffer gives up when a title line above the table has none.)"""
    lines = [line for line in text[:16384].splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in (";", ",", "\t") if lines else ():
        counts = Counter(_field_count(line, candidate) for line in lines)
        fields, alike = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (alike, fields) if fields > 1 else (0, 0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _field_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except csv.Error:  # a field too large to be a learner's: not the table's separator
        return 1


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=_delimiter(text)):
            rows.append(row)
            if len(rows) > MAX_TABLE_ROWS:
                break  # one row past the limit: enough to know the file is too long
    except csv.Error as error:
        raise ImportFileError(
            _("This CSV file cannot be read. Save it again from Excel as CSV.")
        ) from error
    return rows


def _check_zip(content: bytes) -> None:
    """Refuse a zip whose parts would unpack to far more than a learner list can be."""
    unreadable = ImportFileError(
        _("This spreadsheet cannot be read. Save it again as .xlsx, .ods or .csv.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise unreadable from error
    too_big = ImportFileError(
        _(
            "This spreadsheet unpacks to far more than a list for import can be. "
            "Copy the rows into a new, empty sheet and upload that."
        )
    )
    if len(parts) > MAX_PARTS:
        raise too_big
    if sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise too_big
    for part in parts:
        if part.file_size > RATIO_CHECKED_FROM and (
            part.file_size > MAX_RATIO * max(part.compress_size, 1)
        ):
            raise too_big


def _read_spreadsheet(content: bytes) -> list[list[str]]:
    """Parse in a child process: it reads one row past MAX_TABLE_ROWS at most and dies, alone,
    if the file makes it use more memory or time than any learner list needs."""
    try:
        result = subprocess.run(  # noqa: S603 - our own script, run by our own interpreter
            [
                sys.executable,
                "-I",
                str(SHEET_READER),
                str(MAX_TABLE_ROWS + 1),
                str(CHILD_MEMORY_BYTES),
                str(CHILD_CPU_SECONDS),
            ],
            input=content,
            capture_output=True,
            timeout=CHILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise _too_heavy() from error
    if result.returncode != 0:
        if result.returncode == 2:  # the reader's own "cannot read this" answer
            raise ImportFileError(
                _("This spreadsheet cannot be read. Save it again as .xlsx, .ods or .csv.")
            )
        raise _too_heavy()
    return json.loads(result.stdout)


def _too_heavy() -> ImportFileError:
    return ImportFileError(
        _(
            "Reading this spreadsheet takes more memory or time than a list for import can. "
            "Copy the rows into a new, empty sheet and upload that."
        )
    )
