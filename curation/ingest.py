"""Ingest: every declared input file to one table of records, each either `ok` or `quarantined`.

Nothing is dropped here. A row that breaks a rule stays in the table with status `quarantined` and a
reason naming file, row and field; only a file that cannot be read at all stops the run (SourceError).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .normalize import release_text
from .report import StageReport
from .schema import UnknownValue, alias_key, schemas
from .sources import Source, SourceError, SourceSet

EXCEL_TIMESTAMP = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))?$")
TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
# When guessing, CP932 maps bytes never used in Japanese text (0x80, 0xA0, 0xFD-0xFF) to these, and a
# NUL means UTF-16: either way the guess was wrong.
NOT_TEXT = re.compile("[\x00\x80\uf8f0-\uf8f3]")
# Fields later stages fill in; the record is validated without them here.
ASSIGNED_LATER = ("id", "added_in", "contrast_id")
# Columns every ingest table has, whatever its sources hold.
BOOKKEEPING = ("input_key", "source", "source_index", "file", "row", "where", "origin", "license", "annotated",
               "status", "reason", "contrast_column", "contrast_key")


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


# -- values ----------------------------------------------------------------------------------------

class BadValue(ValueError):
    pass


@lru_cache(maxsize=1)
def field_types() -> dict[str, tuple[str, str | None]]:
    """(type, item type) of every field a format can map to, from record.yaml and formats.yaml."""
    types = {f.name: (f.type, f.items) for f in schemas().fields}
    types.update({name: (t, None) for name, t in schemas().formats["working_fields"].items()})
    return types


@lru_cache(maxsize=1)
def value_words() -> tuple[re.Pattern, frozenset, frozenset]:
    values = schemas().formats["values"]
    separators = re.compile("([" + re.escape(values["list_separators"]) + "])")
    return (separators, frozenset(alias_key(w) for w in values["yes_words"]),
            frozenset(alias_key(w) for w in values["no_words"]))


def split_list(raw: str, items: str | None) -> list[str]:
    """Split a cell into values, keeping a vocabulary value whole when it contains a separator."""
    tokens = value_words()[0].split(raw)  # value, separator, value, ...
    parts, vocabulary = tokens[0::2], schemas().vocabulary(items or "")
    out, i = [], 0
    while i < len(parts):
        end = i + 1
        if vocabulary is not None:
            for j in range(len(parts), i + 1, -1):
                if alias_key("".join(tokens[2 * i:2 * j - 1])) in vocabulary.aliases:
                    end = j
                    break
        out.append("".join(tokens[2 * i:2 * end - 1]).strip())
        i = end
    return out


def parse_value(type_name: str, items: str | None, raw: Any) -> Any:
    """A raw cell or JSON value as the field's type; None for empty. Raises BadValue."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if type_name == "list":
        if isinstance(raw, str):
            parts = split_list(raw, items)
        elif isinstance(raw, (list, tuple)):
            parts = list(raw)
        else:
            raise BadValue(f"must be a list, got {type(raw).__name__} {raw!r}")
        parsed = [parse_value(items or "string", None, p) for p in parts]
        return list(dict.fromkeys(p for p in parsed if p is not None))
    if type_name == "bool":
        if isinstance(raw, bool):
            return raw
        _, yes, no = value_words()
        word = alias_key(str(raw))
        if word in yes or word in no:
            return word in yes
        raise BadValue(f"must be yes or no (はい／いいえ), got {raw!r}")
    if type_name == "json":
        if isinstance(raw, dict):
            return raw
        try:
            value = json.loads(raw) if isinstance(raw, str) else None
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise BadValue(f"must be a JSON object, got {raw!r}")
        return value
    if not isinstance(raw, str):
        raise BadValue(f"must be text, got {type(raw).__name__} {raw!r}")
    if type_name == "timestamp":
        return parse_timestamp(raw)
    if type_name == "goal":
        return unicodedata.normalize("NFKC", raw).strip().upper()
    vocabulary = schemas().vocabulary(type_name)
    if vocabulary is not None:
        try:
            return vocabulary.code(raw)
        except UnknownValue as exc:
            raise BadValue(str(exc)) from None
    # Free text: NFC only, never rewritten; Excel's CRLF inside a cell is the file format's, not the text's.
    return release_text(raw.replace("\r\n", "\n"))


def parse_timestamp(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    quick = EXCEL_TIMESTAMP.match(text)  # what Excel writes; strptime below is ten times slower
    if quick:
        try:
            return datetime(*(int(g or 0) for g in quick.groups())).isoformat()
        except ValueError:
            pass
    for fmt in TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise BadValue(f"{raw!r} is not a date and time like 2026/09/03 14:22") from None


def parse_field(name: str, raw: Any) -> Any:
    type_name, items = field_types()[name]
    try:
        return parse_value(type_name, items, raw)
    except BadValue:
        if name == "contributor":  # never echo an identity into a report
            raise BadValue("must be a plain text identifier (value not shown: it identifies a person)") from None
        raise


def source_defaults(source: Source) -> dict[str, Any]:
    """The source's `defaults`, parsed like cells; a wrong one stops the run before any row is read."""
    parsed = {}
    for name, raw in source.defaults.items():
        if name not in field_types() or name in ("key", "contributor", *ASSIGNED_LATER):
            raise SourceError(f"sources.yaml, source {source.name!r}: `defaults` names {name!r}, "
                              "which is not a field a default can set")
        try:
            parsed[name] = parse_field(name, raw if isinstance(raw, (list, bool)) else str(raw))
        except BadValue as exc:
            raise SourceError(f"sources.yaml, source {source.name!r}: default {name}: {exc}") from None
    return parsed


# -- formats ---------------------------------------------------------------------------------------

def column_map(fmt: dict, names: list[str], source: Source, strict: bool) -> dict[str, str]:
    """field -> the file's column name. `strict` (one header for the whole file): a missing required
    column stops the file; otherwise (JSON records) the record reports it."""
    mapping = {}
    present = {alias_key(h): h for h in names}
    for column in fmt["columns"]:
        found = next((present[alias_key(h)] for h in column["headers"] if alias_key(h) in present), None)
        if found is not None:
            mapping[column["field"]] = found
        elif strict and column.get("required"):
            raise SourceError(
                f"{source.relpath}: no column for {column['field']} "
                f"(accepted headers: {', '.join(column['headers'])}; found: {', '.join(names)})"
            )
    return mapping


def derive_answercarefully(record: dict) -> list[tuple[str, str]]:
    harm_type = (record.get("meta") or {}).get("harm-type")
    viewpoint = schemas().crosswalks["answercarefully_harm_type"].get(harm_type)
    if viewpoint is None:
        return [("meta", f"harm-type {harm_type!r} has no viewpoint in schemas/crosswalks.yaml")]
    record["viewpoints"] = [viewpoint]
    return []


def derive_xstest(record: dict) -> list[tuple[str, str]]:
    xstest_type = record.get("xstest_type") or ""
    entry = schemas().crosswalks["xstest_type"].get(xstest_type.removeprefix("contrast_"))
    if entry is None:
        return [("xstest_type", f"type {xstest_type!r} has no entry in schemas/crosswalks.yaml")]
    record["viewpoints"] = [entry["viewpoint"]]
    record["borderline"] = not xstest_type.startswith("contrast_")
    record["borderline_type"] = entry["borderline_type"] if record["borderline"] else None
    return []


def derive_ailuminate(record: dict) -> list[tuple[str, str]]:
    viewpoint = schemas().crosswalks["ailuminate_hazard"].get(record.get("hazard"))
    if viewpoint is None:
        return [("hazard", f"hazard {record.get('hazard')!r} has no viewpoint in schemas/crosswalks.yaml")]
    record["viewpoints"] = [viewpoint]
    return []


FORMAT_DERIVATIONS = {"answercarefully": derive_answercarefully, "xstest": derive_xstest,
                      "ailuminate": derive_ailuminate}


def pair_xstest(rows: list[dict]) -> None:
    """XSTest pairs a safe prompt with its `contrast_<type>` prompt through the shared `focus` word."""
    contrasts = {
        (r["xstest_type"].removeprefix("contrast_"), r.get("focus")): r["source_id"]
        for r in rows
        if r["status"] == "ok" and (r.get("xstest_type") or "").startswith("contrast_") and r.get("focus")
    }
    for r in rows:
        if r["status"] == "ok" and r.get("borderline") and r.get("focus"):
            r["contrast_of"] = contrasts.get((r["xstest_type"], r["focus"]))


# -- ingest ----------------------------------------------------------------------------------------

def ingest_source(source: Source, source_set: SourceSet, report: StageReport) -> list[dict]:
    fmt = schemas().input_formats[source.format]
    defaults = source_defaults(source)
    header, rows = read_rows(source)
    mapping = column_map(fmt, header, source, strict=True) if header is not None else None
    if mapping is not None:
        known = set(mapping.values()) | set(fmt.get("source_labels") or [])
        extra = [h for h in header if h not in known]
        if extra:
            report.notes.append(f"{source.relpath}: columns not in the {source.format} format ignored: {extra}")
    unit = "line" if header is None else "row"
    out = []
    for raw in rows:
        if raw.values is None and raw.problem is None:
            report.count("blank lines skipped")
            continue
        out.append(map_row(source, source_set, fmt, mapping, defaults, raw, unit))
    if source.format == "xstest":
        pair_xstest(out)
    quarantine_repeated_keys(out)
    return out


def map_row(source: Source, source_set: SourceSet, fmt: dict, mapping: dict | None, defaults: dict,
            raw: RawRow, unit: str) -> dict:
    where = f"{source.relpath} {unit} {raw.row}"
    base = {"input_key": f"{source.name}:{raw.row}", "source": source.name, "source_index": source.index,
            "file": source.relpath, "row": raw.row, "where": where, "origin": source.origin,
            "license": source.license, "annotated": False}
    if raw.values is None:
        return {**base, "status": "quarantined", "reason": f"{where}: {raw.problem}"}
    values = raw.values
    if mapping is None:  # JSON records name their own keys
        mapping = column_map(fmt, list(values), source, strict=False)
    record: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for column in fmt["columns"]:
        name = column["field"]
        if name not in mapping:
            if column.get("required") and name not in defaults:
                problems.append((name, f"is missing (expected {' or '.join(column['headers'])})"))
            continue
        try:
            record[name] = parse_field(name, values.get(mapping[name]))
        except BadValue as exc:
            problems.append((name, str(exc)))
    column_of = dict(mapping)
    for name, value in defaults.items():
        if record.get(name) is None:
            record[name] = value
            column_of.setdefault(name, f"{name} (default in sources.yaml)")
    if not problems and source.format in FORMAT_DERIVATIONS:
        problems += FORMAT_DERIVATIONS[source.format](record)
    if fmt.get("source_labels"):
        kept = {k: values[k] for k in fmt["source_labels"] if values.get(k) not in (None, "")}
        record["source_labels"] = json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str) if kept else None
    record["contrast_column"] = column_of.get("contrast_of", "contrast_of")
    record["source_id"] = record.pop("key", None) or str(raw.row)
    identity = record.pop("contributor", None)
    record["contributor"] = source_set.pseudonym(identity) if identity else None
    for name, (type_name, _) in field_types().items():
        if type_name == "list" and record.get(name) is None:
            record[name] = []
        elif type_name == "bool":
            record[name] = bool(record.get(name))  # an empty yes/no cell means no
    if record.get("viewpoints") and not record.get("primary_viewpoint"):
        record["primary_viewpoint"] = record["viewpoints"][0]
    record.update(source=source.name, origin=source.origin, license=source.license, label_source="source")
    if not problems:
        problems = schemas().validate(record, skip=ASSIGNED_LATER)
    if problems:
        reasons = "; ".join(f"{column_of.get(f, f)}: {m}" for f, m in problems)
        return {**base, **record, "status": "quarantined", "reason": f"{where}, {reasons}"}
    return {**base, **record, "status": "ok", "reason": None}


def quarantine_repeated_keys(rows: list[dict]) -> None:
    """An id used twice in one source is ambiguous (contrast_of could mean either): keep the first."""
    first: dict[str, dict] = {}
    for r in rows:
        key = r.get("source_id")
        if r["status"] != "ok" or not key:
            continue
        if key in first:
            r["status"] = "quarantined"
            r["reason"] = f"{r['where']}: its id {key!r} is already used by {first[key]['where']}"
        else:
            first[key] = r


def resolve_contrasts(rows: list[dict], report: StageReport) -> None:
    """Turn `contrast_of` (a key within the same source) into the input key of the paired record."""
    by_key = {(r["source"], r.get("source_id")): r for r in rows if r["status"] == "ok"}
    by_key_any = {(r["source"], r.get("source_id")): r for r in rows}
    for r in rows:
        r["contrast_key"] = None
        ref = r.get("contrast_of")
        if r["status"] != "ok" or not ref:
            continue
        target = by_key.get((r["source"], ref))
        if target is None and (r["source"], ref) in by_key_any:
            report.notes.append(f"{r['where']}: its contrast {ref!r} is quarantined; released without a pair")
        elif target is None or target is r:
            r["status"] = "quarantined"
            what = "names no record" if target is None else "names the record itself"
            r["reason"] = f"{r['where']}, {r['contrast_column']}: {ref!r} {what} in {r['file']}"
        else:
            r["contrast_key"] = target["input_key"]


def ingest(source_set: SourceSet) -> tuple[pd.DataFrame, StageReport]:
    """All declared sources to one table, one row per input record (blank lines are not records)."""
    report = StageReport("ingest")
    if source_set.key_from_file:
        report.notes.append(f"pseudonyms use the key file {source_set.key_from_file}; for real contributors set "
                            "CURATION_PSEUDONYM_KEY and keep the key out of the repository")
    rows: list[dict] = []
    for source in source_set.sources:
        got = ingest_source(source, source_set, report)
        report.count(f"records in {source.relpath}", len(got))
        rows += got
    resolve_contrasts(rows, report)
    table = pd.DataFrame(rows, columns=list(dict.fromkeys([*BOOKKEEPING, *field_types()])))
    quarantined = table[table["status"] == "quarantined"]
    report.counts = {"input records": len(table), "ok": len(table) - len(quarantined),
                     "quarantined": len(quarantined), **report.counts}
    report.problems += quarantined["reason"].tolist()
    return table, report
