"""CSV records that a broken quote cannot merge or multiply.

A record is the physical lines from where one starts to the first line end at which its double quotes
balance (RFC 4180: a quoted cell may hold line breaks). Two things make a file lie about its records, and
both are caught here, per record, so that the rest of the file is read:
- a stray quote opens a cell that swallows the rows after it: while a quote is open, a following line that
  on its own has the shape of a row (as many cells as the header, and a first cell shaped like the open
  record's: R-0901-0037 after R-0901-0036) means the quote ran away. The record
  where it opened is quarantined and reading resumes at that line. Lines that quotes join but that do not
  parse as one record (stray quotes in two rows) are read line by line;
- a cell longer than the limit (schemas/pipeline.yaml `tuning.ingest.max_cell_characters`) is reported,
  never split into phantom records.
No cell value is ever put into a problem: only where it is and what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator

from ..schema import schemas

LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
csv.field_size_limit(sys.maxsize)  # cell length is checked here, against the project's own limit


def cells_of(text: str) -> list[str]:
    """One record's cells (csv raises csv.Error on a malformed quote)."""
    return next(csv.reader(io.StringIO(text, newline=""), strict=True), [])


QUOTED_FIRST = re.compile(r'^"((?:[^"]|"")*)"?')


def shape(line: str) -> str:
    """The shape of a line's first cell: digits as 9, Latin letters as a, the rest as it is (R-0901-0036
    and R-0901-0037 have one shape; a record key and a sentence do not)."""
    quoted = QUOTED_FIRST.match(line)
    cell = quoted.group(1) if quoted else line.split(",", 1)[0]
    return re.sub("[A-Za-z]", "a", re.sub("[0-9]", "9", cell.strip()))


def row_shaped(line: str, width: int, first: str) -> bool:
    """Whether a line inside an open quote is really the next row: read on its own (a stray quote of its own
    dropped, so two rows with a stray quote each are not taken for one) it has `width` cells, and its first
    cell has the shape of the open record's (`first`): a sentence with commas inside a cell is not a row."""
    if shape(line) != first:
        return False
    try:
        return len(cells_of(line if line.count('"') % 2 == 0 else line.replace('"', ""))) == width
    except csv.Error:
        return False


def csv_records(text: str, width: int | None = None) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(line number where the record starts, cells or None, problem or None) of every record, in order.
    `width`: the header's number of cells, which tells a row-shaped line (None while reading the header)."""
    limit = schemas().tuning["ingest"]["max_cell_characters"]
    lines: list[str] = []
    quotes, start = 0, 1
    for number, match in enumerate(LINE.finditer(text), start=1):
        line = match.group()
        if lines and width and row_shaped(line, width, shape(lines[0])):  # a quote is open, and here is a row
            yield start, None, ("a quoted cell that opens here is still open at the next row-shaped line "
                                f"(line {number}): a stray double quote; the rows after it are read as rows")
            lines, quotes = [], 0
        if not lines:
            start = number
        lines.append(line)
        quotes += line.count('"')
        if quotes % 2 == 0:
            cells, problem = parsed("".join(lines), limit)
            if cells is None and len(lines) > 1 and problem.startswith("not valid CSV"):
                # Lines joined by quotes that do not parse together (stray quotes in two rows): each line is
                # its own record, read or quarantined alone, rather than one record swallowing another.
                for offset, alone in enumerate(lines):
                    yield start + offset, *(parsed(alone, limit) if alone.count('"') % 2 == 0 else
                                            (None, "a quoted cell that opens here is never closed in its row "
                                                   "(a stray double quote)"))
            else:
                yield start, cells, problem
            lines, quotes = [], 0
    if lines:
        yield start, None, "a quoted cell that opens here is never closed (a stray double quote)"


def parsed(record: str, limit: int) -> tuple[list[str] | None, str | None]:
    try:
        cells = cells_of(record)
    except csv.Error as exc:
        return None, f"not valid CSV ({exc})"
    for column, cell in enumerate(cells, start=1):
        if len(cell) > limit:
            return None, f"cell {column} has {len(cell):,} characters (at most {limit:,})"
    return cells, None
