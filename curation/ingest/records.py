"""Ingest: every declared input file to one table of records, each with the fate `released` (so far) or
`quarantined`.

Nothing is dropped here. A row that breaks a rule stays in the table, quarantined with a reason naming
file, row and field; only a file that cannot be read at all stops the run (SourceError).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from ..contract import IN_PLAY, Fate, require
from ..fileinfo import file_entry
from ..report import StageReport
from ..schema import schemas
from .formats import FORMAT_DERIVATIONS, AmbiguousColumns, column_map, pair_xstest
from .readers import RawRow, read_rows
from .sources import Source, SourceSet
from .values import ASSIGNED_LATER, BadValue, field_types, parse_field, source_defaults

RELEASED, AWAITING, QUARANTINED = Fate.RELEASED.value, Fate.AWAITING.value, Fate.QUARANTINED.value


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
            positions = ", ".join(str(header.index(h) + 1) for h in extra)
            report.notes.append(f"{source.relpath}: {len(extra)} column(s) not in the {source.format} format "
                                f"ignored (column {positions})")
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
            "license": source.license}
    if raw.values is None:
        return {**base, "fate": QUARANTINED, "reason": f"{where}: {raw.problem}"}
    values = raw.values
    if mapping is None:  # JSON records name their own keys
        try:
            mapping = column_map(fmt, list(values), source, strict=False)
        except AmbiguousColumns as exc:
            return {**base, "fate": QUARANTINED, "reason": f"{where}: {exc}"}
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
    record["contributor"] = source_set.pseudonym(identity, source.relpath) if identity else None
    for name, (type_name, _) in field_types().items():
        if type_name == "list" and record.get(name) is None:
            record[name] = []
        elif type_name == "bool":
            record[name] = bool(record.get(name))  # an empty yes/no cell means no
    if record.get("viewpoints") and not record.get("primary_viewpoint"):
        record["primary_viewpoint"] = record["viewpoints"][0]
    record.update(source=source.name, origin=source.origin, license=source.license, label_source="source")
    missing = schemas().undecided(record)
    if not problems:
        # An undecided record's empty judgement fields are for annotators to fill, not errors.
        empty = [name for name in missing for name in name.split(" or ")]
        problems = schemas().validate(record, skip=(*ASSIGNED_LATER, *empty))
    if problems:
        reasons = "; ".join(f"{column_of.get(f, f)}: {m}" for f, m in problems)
        return {**base, **record, "fate": QUARANTINED, "reason": f"{where}, {reasons}"}
    if missing:
        named = ", ".join(" or ".join(column_of.get(n, n) for n in m.split(" or ")) for m in missing)
        return {**base, **record, "fate": AWAITING, "reason": f"{where}: awaiting annotation (no {named})"}
    return {**base, **record, "fate": RELEASED, "reason": None}


def quarantine_repeated_keys(rows: list[dict]) -> None:
    """An id used twice in one source is ambiguous (contrast_of could mean either): keep the first."""
    first: dict[str, dict] = {}
    for r in rows:
        key = r.get("source_id")
        if r["fate"] not in IN_PLAY or not key:
            continue
        if key in first:
            r["fate"] = QUARANTINED
            r["reason"] = f"{r['where']}: its id is already used by {first[key]['where']}"
        else:
            first[key] = r


def resolve_contrasts(rows: list[dict], report: StageReport) -> None:
    """Turn `contrast_of` (a key within the same source) into the input key of the paired record."""
    by_key = {(r["source"], r.get("source_id")): r for r in rows if r["fate"] in IN_PLAY}
    by_key_any = {(r["source"], r.get("source_id")): r for r in rows}
    for r in rows:
        r["contrast_key"] = None
        ref = r.get("contrast_of")
        if r["fate"] not in IN_PLAY or not ref:
            continue
        target = by_key.get((r["source"], ref))
        if target is None and (r["source"], ref) in by_key_any:
            report.notes.append(f"{r['where']}: its contrast is quarantined; released without a pair")
        elif target is None or target is r:
            r["fate"] = QUARANTINED
            what = "names no record" if target is None else "names the record itself"
            r["reason"] = f"{r['where']}, {r['contrast_column']}: {what} in {r['file']}"
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
        source_set.reading(source)
        got = ingest_source(source, source_set, report)
        source_set.unchanged(source.relpath, file_entry(source.path), "while it was read")
        report.count(f"records in {source.relpath}", len(got))
        rows += got
    resolve_contrasts(rows, report)
    columns = schemas().pipeline["ingest"]["adds"]
    table = pd.DataFrame(rows, columns=list(dict.fromkeys([*columns, *field_types()])))
    require(table, columns, "ingest")
    quarantined = table[table["fate"] == QUARANTINED]
    awaiting = table["fate"] == AWAITING
    report.counts = {"input records": len(table), "ok": len(table) - len(quarantined) - int(awaiting.sum()),
                     "awaiting annotation": int(awaiting.sum()), "quarantined": len(quarantined), **report.counts}
    report.problems += quarantined["reason"].tolist()
    report.notes += table.loc[awaiting, "reason"].tolist()
    return table, report

