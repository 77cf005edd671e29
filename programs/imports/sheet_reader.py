"""Read the first sheet of a spreadsheet on stdin and print its rows as JSON text cells.

Run as a child process by `reading.py`, with `sys.executable -I`: it sets its own memory and
CPU limits before it parses anything, so a file that would need gigabytes kills only this
process. Arguments: the most rows to read, the memory limit in bytes, the CPU limit in seconds.
Exit code 2 means the file is not a spreadsheet calamine can read.
"""

import datetime
import io
import json
import resource
import sys


def as_text(value) -> str:
    """A cell as the text a person sees: whole numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def main() -> int:
    max_rows, memory, cpu_seconds = (int(argument) for argument in sys.argv[1:4])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    from python_calamine import CalamineWorkbook  # noqa: PLC0415 - only once limits hold

    content = sys.stdin.buffer.read()
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        # Leading empty rows are kept, so each row's index + 1 is its row number.
        rows = sheet.to_python(skip_empty_area=False, nrows=max_rows)
    except MemoryError:
        raise
    except Exception:  # calamine raises its own kinds for every damaged file
        return 2
    json.dump([[as_text(cell) for cell in row] for row in rows], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
