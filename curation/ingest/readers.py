"""Reading input files: CSV (UTF-8 with or without BOM, or CP932 as Excel writes it), JSONL and Parquet, each
to its rows with their position (spreadsheet row or file line). A row that cannot be split into values is
a `RawRow` with a problem; only a file that cannot be read at all raises SourceError."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SourceError
from .sources import Source

# When guessing, CP932 maps bytes never used in Japanese text (0x80, 0xA0, 0xFD-0xFF) to these, and a
# NUL means UTF-16: either way the guess was wrong.
NOT_TEXT = re.compile("[\x00\x80\uf8f0-\uf8f3]")


@dataclass(frozen=True)
class RawRow:
    """One input record before mapping: its position and its values by the file's own column names."""

    row: int
    values: dict[str, Any] | None
    problem: str | None = None  # the record could not even be split into values


# -- reading files ---------------------------------------------------------------------------------

def decode(source: Source) -> str:
    """The file's text: in its declared encoding, or else UTF-8 (with or without BOM), then CP932."""
    data = source.path.read_bytes()
    if source.encoding:
        try:
            codecs.lookup(source.encoding)
            return data.decode(source.encoding)
        except LookupError:
            raise SourceError(f"{source.relpath}: unknown encoding {source.encoding!r} in sources.yaml") from None
        except UnicodeDecodeError as exc:
            raise SourceError(f"{source.relpath}: not {source.encoding} (byte {exc.start}: "
                              f"{data[exc.start:exc.start + 4]!r}); check `encoding:` in sources.yaml") from None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not NOT_TEXT.search(text):
            return text
    raise SourceError(f"{source.relpath}: neither UTF-8 nor CP932 text; declare its `encoding:` in sources.yaml")


def read_csv_rows(source: Source) -> tuple[list[str], Iterator[RawRow]]:
    reader = csv.reader(io.StringIO(decode(source), newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceError(f"{source.relpath}: the file is empty (no header row)") from None
    except csv.Error as exc:
        raise SourceError(f"{source.relpath}: the header row is not valid CSV ({exc})") from None
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise SourceError(f"{source.relpath}: column(s) {', '.join(repeated)} appear more than once in the header")

    def rows() -> Iterator[RawRow]:
        # Rows are numbered as a spreadsheet shows them: the header is row 1.
        row = 1
        while True:
            row += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    # Everything after an unclosed quote is one cell: the rows cannot be told apart.
                    raise SourceError(f"{source.relpath} row {row}: a quoted cell that starts here is never "
                                      "closed, so the rows after it cannot be read; close the quote") from None
                yield RawRow(row, None, f"not valid CSV ({exc})")
                continue
            if not any(c.strip() for c in cells):
                yield RawRow(row, None)  # a blank row: not a record
            elif len(cells) != len(header):
                yield RawRow(row, None, f"has {len(cells)} cells but the header has {len(header)}")
            else:
                yield RawRow(row, dict(zip(header, cells)))

    return header, rows()


def excel_header_row(fmt: dict, english: bool = False) -> str:
    """The header row of a CSV format as Excel writes it (CRLF): Japanese headers, or the English alias."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow([c["headers"][-1 if english else 0] for c in fmt["columns"]])
    return buffer.getvalue()


class RepeatedKey(ValueError):
    pass


def unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """json.loads keeps the last of two equal keys silently; one of the two values would be lost."""
    keys = [k for k, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise RepeatedKey(repr(key))
    return dict(pairs)


def read_jsonl_rows(source: Source) -> Iterator[RawRow]:
    # Only "\n" ends a line: JSON strings may hold U+2028 and other Unicode line breaks.
    lines = decode(source).split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start another
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            yield RawRow(line_no, None)
            continue
        try:
            value = json.loads(line, object_pairs_hook=unique_keys)
        except json.JSONDecodeError as exc:
            yield RawRow(line_no, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RepeatedKey as exc:
            yield RawRow(line_no, None, f"the key {exc} appears more than once")
            continue
        if not isinstance(value, dict):
            yield RawRow(line_no, None, f"must be a JSON object, got {type(value).__name__}")
            continue
        yield RawRow(line_no, value)


def read_parquet(source: Source) -> pa.Table:
    try:
        return pq.read_table(source.path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise SourceError(f"{source.relpath}: not a readable Parquet file ({exc})") from None


def read_parquet_rows(source: Source) -> list[RawRow]:
    return [RawRow(index, values) for index, values in enumerate(read_parquet(source).to_pylist(), start=1)]


def read_rows(source: Source) -> tuple[list[str] | None, Iterator[RawRow]]:
    """The file's header (None where each record names its own keys) and its rows."""
    suffix = source.path.suffix.lower()
    if suffix == ".csv":
        return read_csv_rows(source)
    if suffix == ".jsonl":
        return None, read_jsonl_rows(source)
    if suffix == ".parquet":
        rows = read_parquet_rows(source)
        return (list(rows[0].values) if rows else []), iter(rows)
    raise SourceError(f"{source.relpath}: unsupported file type {suffix!r} (use .csv, .jsonl or .parquet)")

