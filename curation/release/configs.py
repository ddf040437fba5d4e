"""The released records as the release's configs (`default`, `aisev`, `borderline`), each split an Arrow
table with the schema derived from schemas/. Where they are written: layout.py."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import schemas
from .history import Release
from .layout import Tables, aisev_csv_path


def without_nan(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def default_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Released fields plus `split`, sorted by id, with missing values as None (never NaN)."""
    return without_nan(records[schemas().field_names + ["split"]].sort_values("id", kind="stable"))


def aisev_rows(records: pd.DataFrame) -> pd.DataFrame:
    """aisev's upload columns (schemas/dataset.yaml): every row scorable by the `requirement` scorer, with
    the requirement the item is judged by (Schemas.requirement_of: its own, else its label's default, as
    the Inspect task uses), and the most specific goal id on every row (the item's own, a leaf where it
    has one; else the viewpoint's own `G<n>-1`)."""
    taxonomy = schemas()
    rows = default_rows(records)
    primary = {v["code"]: v for v in taxonomy.viewpoints}
    return without_nan(pd.DataFrame({
        "ID": rows["id"],
        "text": rows["text"],
        "ten_perspective": rows["primary_viewpoint"].map(lambda code: primary[code]["ja"]),
        "scorer": "requirement",
        "requirement": [taxonomy.requirement_of(label, requirement)
                        for label, requirement in zip(rows["label"], rows["requirement"])],
        "gsn_perspective": rows["gsn_goal"].where(rows["gsn_goal"].notna(), rows["primary_viewpoint"].map(
            lambda code: taxonomy.goal_tree.top(primary[code]["number"]).id)),
        "split": rows["split"],
    }))


def borderline_rows(records: pd.DataFrame) -> pd.DataFrame:
    """Borderline items and their contrasts (which share their split by construction)."""
    rows = default_rows(records)
    partners = set(rows.loc[rows["borderline"].astype(bool), "contrast_id"].dropna())
    return rows[rows["borderline"].astype(bool) | rows["id"].isin(partners)]


def config_tables(records: pd.DataFrame) -> Tables:
    """config -> split -> Arrow table with the schema derived from schemas/; empty splits left out."""
    canary = {b"canary": schemas().dataset["canary"].encode("utf-8")}
    built = {
        "default": (default_rows(records), schemas().arrow_schema),
        "aisev": (aisev_rows(records), schemas().aisev_arrow_schema),
        "borderline": (borderline_rows(records), schemas().arrow_schema),
    }
    out: Tables = {}
    for config, (frame, arrow_schema) in built.items():
        for split in schemas().dataset["splits"]["names"]:
            part = frame[frame["split"] == split].drop(columns="split")
            if len(part):
                table = pa.Table.from_pandas(part, schema=arrow_schema, preserve_index=False)
                out.setdefault(config, {})[split] = table.replace_schema_metadata(canary)  # no pandas metadata
    return out


def response_tables(rows: pd.DataFrame) -> dict[str, pa.Table]:
    """The `responses` config: judged responses per split of their prompt, with the schema derived from
    schemas/response.yaml; empty splits left out."""
    canary = {b"canary": schemas().dataset["canary"].encode("utf-8")}
    out = {}
    for split in schemas().dataset["splits"]["names"]:
        part = without_nan(rows[rows["split"] == split])
        if len(part):
            table = pa.Table.from_pandas(part, schema=schemas().response_arrow_schema, preserve_index=False)
            out[split] = table.replace_schema_metadata(canary)
    return out


def aisev_csv(tables: Tables) -> dict[str, str]:
    """The `aisev` config as CSV files (layout.aisev_csv_path -> text), exactly what aisev's upload parses
    (pandas, UTF-8 without BOM): an aisev without internet cannot convert Parquet in the browser."""
    out = {}
    for split, table in tables.get("aisev", {}).items():
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(table.column_names)
        writer.writerows(zip(*(table[c].to_pylist() for c in table.column_names)))
        out[aisev_csv_path(split)] = buffer.getvalue()
    return out


def same_data(tables: Tables, latest: Release) -> bool:
    """True when every config and split holds exactly the rows of the newest release (by content, so a
    different Parquet writer version does not count as a change)."""
    listed = {c: v["files"] for c, v in latest.manifest["configs"].items()}
    if {c: set(s) for c, s in listed.items()} != {c: set(s) for c, s in tables.items()}:
        return False
    return all(pq.read_table(latest.path / listed[c][s]).equals(t, check_metadata=False)
               for c, splits in tables.items() for s, t in splits.items())
