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
from ..schema import alias_key, schemas
from .csvrows import csv_records
from .sources import Source

# When guessing, CP932 maps bytes never used in Japanese text (0x80, 0xA0, 0xFD-0xFF) to these: the guess
# was wrong. NUL bytes in a good share of a file mean UTF-16 (a few NULs are bad records, not a bad file).
NOT_TEXT = re.compile("[\x80\uf8f0-\uf8f3]")
UTF16_NULS = 0.1
# What a byte that is not valid in the file's encoding is read as: a private code point no text holds (a
# real U+FFFD in a file is text, and must neither hide a bad byte nor pass for one).
DAMAGED = "\U0010fffd"
codecs.register_error("curation.damaged", lambda exc: (DAMAGED, exc.end))
SURROGATE = re.compile("[\ud800-\udfff]")
LINE_END = re.compile("\r\n|\r|\n")
# A column of any table given to `tag` or `dedup` is named in messages only when it looks like an identifier
# (a file without a header row has a record as its first row: its cells are data, maybe personal).
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")  # no space: "Taro Yamada" is a name
# The largest row group read: a value is at most `max_cell_characters` (400 KB in UTF-8), but pyarrow
# decompresses a value whole before its length can be checked, so a 56 KB file could hold a 2 GB text.
MAX_ROW_GROUP_BYTES = 128 * 2**20
PARQUET_BATCH_ROWS = 1000


@dataclass(frozen=True)
class RawRow:
    """One input record before mapping: its position and its values by the file's own column names."""

    row: int
    values: dict[str, Any] | None
    problem: str | None = None  # the record could not even be split into values


# -- reading files ---------------------------------------------------------------------------------

def decode(source: Source) -> tuple[str, str | None]:
    """The file's text, in its declared encoding or else UTF-8 (with or without BOM), then CP932; and the
    encoding's name when some bytes were not valid in it (they read as DAMAGED, and the records holding them
    are quarantined: one bad byte costs one record, not the file)."""
    data = source.path.read_bytes()
    if data.count(b"\x00") > len(data) * UTF16_NULS or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(f"{source.relpath}: neither UTF-8 nor CP932 text (NUL bytes or a UTF-16 byte order "
                          "mark): save it as UTF-8 or CP932")
    if source.encoding:
        try:
            text_codec = codecs.lookup(source.encoding)._is_text_encoding  # base64, rot13... are not
        except LookupError:
            text_codec = False
        if not text_codec:
            raise SourceError(f"{source.relpath}: unknown encoding {source.encoding!r} in sources.yaml "
                              "(not a text encoding)")
        try:
            text = data.decode(source.encoding, errors="curation.damaged")
        except UnicodeError:  # a codec that cannot mark bad bytes (idna) and meets one
            raise SourceError(f"{source.relpath}: not {source.encoding} text; check `encoding:` in sources.yaml") \
                from None
        damaged = DAMAGED in text
        if NOT_TEXT.search(text):  # bytes CP932 maps to characters no Japanese text uses
            text, damaged = NOT_TEXT.sub(DAMAGED, text), True
        return text, (source.encoding if damaged else None)
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not NOT_TEXT.search(text):
            return text, None
    # Neither decodes cleanly: the one with fewer bad bytes, unless most of the file is bad.
    decoded = {name: data.decode(name, errors="curation.damaged") for name in ("utf-8-sig", "cp932")}
    name = min(decoded, key=lambda n: decoded[n].count(DAMAGED) + len(NOT_TEXT.findall(decoded[n])))
    text = NOT_TEXT.sub(DAMAGED, decoded[name])
    if text.count(DAMAGED) > max(10, len(text) // 100):
        raise SourceError(f"{source.relpath}: neither UTF-8 nor CP932 text; declare its `encoding:` in sources.yaml")
    return text, {"utf-8-sig": "UTF-8", "cp932": "CP932"}[name]


def read_csv_rows(source: Source) -> tuple[list[str], Iterator[RawRow]]:
    text, damaged = decode(source)
    records = csv_records(text)
    first = next(records, None)
    if first is None:
        raise SourceError(f"{source.relpath}: the file is empty (no header row)")
    _, cells, problem = first
    if cells is None:
        raise SourceError(f"{source.relpath}: the header row is not valid CSV ({problem})")
    if damaged and any(DAMAGED in c for c in cells):
        raise SourceError(f"{source.relpath}: neither UTF-8 nor CP932 text; declare its `encoding:` in sources.yaml "
                          f"(the header row has bytes that are not valid {damaged})")
    header = [h.strip() for h in without_bom(cells)]
    refuse_repeated_columns(source, header)
    records = csv_records(text, len(header))
    next(records)

    def rows() -> Iterator[RawRow]:
        # Rows are numbered as a spreadsheet shows them: the header is row 1, a record is one row.
        for row, (line, cells, problem) in enumerate(records, start=2):
            cells = without_bom(cells)
            where = f" (line {line})" if line != row else ""
            if cells is None:
                yield RawRow(row, None, problem + where)
            elif not any(c.strip() for c in cells):
                yield RawRow(row, None)  # a blank row: not a record
            elif len(cells) != len(header):
                yield RawRow(row, None, f"has {len(cells)} cells but the header has {len(header)}{where}")
            elif damaged and any(DAMAGED in c for c in cells):
                column = next(n for n, c in enumerate(cells) if DAMAGED in c)
                yield RawRow(row, None, f"{header_name(source, header[column], column + 1)}: bytes that are not valid "
                                        f"{damaged}{where}")
            else:
                yield RawRow(row, dict(zip(header, cells)))

    return header, rows()


def without_bom(cells: list[str] | None) -> list[str] | None:
    """A byte order mark at the start of a row (files joined by a tool that keeps each one's BOM) is not text."""
    return [cells[0].removeprefix("\ufeff"), *cells[1:]] if cells else cells


def header_name(source: Source, name: str, position: int, unit: str = "column") -> str:
    """How a message names a column (or a JSON key): a file without a header row has a record as its first
    row, so a name is shown only when it is one of the format's accepted headers (any table given to `tag`
    or `dedup`: when it looks like an identifier); else the column is named by its position."""
    formats = schemas().input_formats
    if source.format in formats:
        fmt = formats[source.format]
        known = alias_key(name) in {alias_key(h) for h in [*(fmt.get("source_labels") or []),
                                                           *(h for c in fmt["columns"] for h in c["headers"])]}
    else:
        known = bool(IDENTIFIER.fullmatch(name))
    return name if known else f"{unit} {position}"


def too_long(source: Source, values: dict[str, Any], unit: str) -> str | None:
    """The problem of a record holding a string value (at any depth) longer than a CSV cell may be, or None:
    one hostile record must not cost the run minutes and gigabytes downstream."""
    limit = schemas().tuning["ingest"]["max_cell_characters"]
    for position, (name, value) in enumerate(values.items(), start=1):
        longest = longest_string(value)
        if longest > limit:
            return f"{header_name(source, name, position, unit)}: {longest:,} characters (at most {limit:,})"
    return None


def longest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((max(len(str(k)), longest_string(v)) for k, v in value.items()), default=0)
    if isinstance(value, (list, tuple)):
        return max((longest_string(v) for v in value), default=0)
    return 0


def refuse_repeated_columns(source: Source, header: list[str]) -> None:
    """One column twice, in any spelling (`prompt` and `PROMPT`): which value counts would be a guess."""
    keys = [alias_key(h) for h in header]
    repeated = [n for n, k in enumerate(keys) if k and keys.count(k) > 1]
    if repeated:
        names = dict.fromkeys(header_name(source, header[n], n + 1) for n in repeated)
        raise SourceError(f"{source.relpath}: column(s) {', '.join(names)} appear more than once in the header "
                          f"(columns {', '.join(str(n + 1) for n in repeated)}, in any spelling)")


def excel_header_row(fmt: dict, english: bool = False) -> str:
    """The header row of a CSV format as Excel writes it (CRLF): Japanese headers, or the English alias."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow([c["headers"][-1 if english else 0] for c in fmt["columns"]])
    return buffer.getvalue()


class RepeatedKey(ValueError):
    pass


def unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """json.loads keeps the last of two equal keys silently; one of the two values would be lost. Keys that
    differ only in case, width or spaces name one column too (`label` and `LABEL`)."""
    keys = [alias_key(k) for k, _ in pairs]
    if len(set(keys)) < len(keys):
        raise RepeatedKey(f"key {next(n for n, k in enumerate(keys, 1) if keys.count(k) > 1)} of the object")
    return dict(pairs)


def read_jsonl_rows(source: Source) -> Iterator[RawRow]:
    # CRLF, LF and CR alone (classic Mac) end a line, mixed in one file too; a JSON string cannot hold a raw
    # CR or LF, but it may hold U+2028 and other Unicode line breaks, which are text.
    text, damaged = decode(source)
    lines = LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start another
    for line_no, line in enumerate(lines, start=1):
        line = line.removeprefix("\ufeff")  # a BOM inside the file (files joined with theirs) is not JSON
        if not line.strip():
            yield RawRow(line_no, None)
            continue
        if damaged and DAMAGED in line:
            yield RawRow(line_no, None, f"bytes that are not valid {damaged}")
            continue
        try:
            value = json.loads(line, object_pairs_hook=unique_keys)
        except json.JSONDecodeError as exc:
            yield RawRow(line_no, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RepeatedKey as exc:
            yield RawRow(line_no, None, f"{exc} appears more than once (in any spelling)")
            continue
        except RecursionError:
            yield RawRow(line_no, None, "not valid JSON: nested too deeply")
            continue
        except ValueError:  # e.g. an integer of more digits than Python converts
            yield RawRow(line_no, None, "not valid JSON: a number too long to read")
            continue
        if has_surrogate(value):
            yield RawRow(line_no, None, "not valid text: a lone surrogate (\\ud800-\\udfff) in a string")
            continue
        if not isinstance(value, dict):
            yield RawRow(line_no, None, f"must be a JSON object, got {type(value).__name__}")
            continue
        problem = too_long(source, value, "key")
        yield RawRow(line_no, None if problem else value, problem)


def has_surrogate(value: Any) -> bool:
    """A JSON escape like "\\ud800" alone decodes to a code point no text may hold (it cannot be written out)."""
    if isinstance(value, str):
        return bool(SURROGATE.search(value))
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_surrogate(v) for v in value)
    return False


def parquet_file(source: Source) -> pq.ParquetFile:
    """The file, opened (its footer read) but not its data; a row group too large to read is refused."""
    try:
        parquet = pq.ParquetFile(source.path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise SourceError(f"{source.relpath}: not a readable Parquet file ({exc})") from None
    first = 1
    for group in range(parquet.metadata.num_row_groups):
        meta = parquet.metadata.row_group(group)
        size = sum(meta.column(c).total_uncompressed_size for c in range(meta.num_columns))
        if size > MAX_ROW_GROUP_BYTES:
            raise SourceError(f"{source.relpath}: rows {first:,}-{first + meta.num_rows - 1:,} (row group {group + 1}) "
                              f"hold {size:,} bytes uncompressed, more than {MAX_ROW_GROUP_BYTES:,} read at once: "
                              "write the file with smaller row groups (pyarrow: row_group_size=10000)")
        first += meta.num_rows
    return parquet


def read_parquet(source: Source) -> pa.Table:
    parquet = parquet_file(source)
    try:
        return parquet.read()
    except Exception as exc:
        raise SourceError(f"{source.relpath}: not a readable Parquet file ({exc})") from None


def read_parquet_rows(source: Source) -> tuple[list[str], Iterator[RawRow]]:
    """The columns (from the schema: a file of 0 rows has them too) and the rows, read a batch at a time."""
    parquet = parquet_file(source)
    columns = parquet.schema_arrow.names
    refuse_repeated_columns(source, columns)

    def rows() -> Iterator[RawRow]:
        row = 0
        try:
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                for values in batch.to_pylist():
                    row += 1
                    problem = too_long(source, values, "column")
                    yield RawRow(row, None if problem else values, problem)
        except Exception as exc:  # a damaged page is found only when it is read
            raise SourceError(f"{source.relpath}: not a readable Parquet file after row {row:,} ({exc})") from None

    return columns, rows()


def read_rows(source: Source) -> tuple[list[str] | None, Iterator[RawRow]]:
    """The file's header (None where each record names its own keys) and its rows."""
    suffix = source.path.suffix.lower()
    if suffix == ".csv":
        return read_csv_rows(source)
    if suffix == ".jsonl":
        return None, read_jsonl_rows(source)
    if suffix == ".parquet":
        return read_parquet_rows(source)
    raise SourceError(f"{source.relpath}: unsupported file type {suffix!r} (use .csv, .jsonl or .parquet)")

