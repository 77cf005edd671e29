"""The learner import: a spreadsheet as people save it, checked row by row before anything
is written. `reading` turns an upload into rows of text, `checking` finds the header and
checks each learner by the models' rules, `template` writes the spreadsheet to start from."""

from programs.imports.checking import (
    ImportRow,
    capacity_warnings,
    check_rows,
    parse_date,
    read_rows,
)
from programs.imports.reading import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportFileError,
    read_table,
    too_large_message,
    upload_too_large,
)
from programs.imports.template import EXAMPLE_EMAIL, template_xlsx
from werkplek.lib.spreadsheet import XLSX_CONTENT_TYPE

__all__ = [
    "EXAMPLE_EMAIL",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportFileError",
    "ImportRow",
    "capacity_warnings",
    "check_rows",
    "parse_date",
    "read_rows",
    "read_table",
    "template_xlsx",
    "too_large_message",
    "upload_too_large",
    "XLSX_CONTENT_TYPE",
]
