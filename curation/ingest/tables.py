"""Any table a standalone command is pointed at (`curation tag`, `curation dedup`): CSV (UTF-8 or CP932),
JSONL or Parquet in, Parquet out. A record that cannot be read stops the command naming its file and row:
the output must hold every input row, so none may be skipped."""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SourceError
from .readers import header_name, read_parquet, read_rows, refuse_repeated_columns
from .sources import Source


def read_table(path: Path, text_column: str, options: dict[str, str | None] | None = None) -> pd.DataFrame:
    """The table; `options` (command-line option -> column, None when not given) name the other columns
    the command needs."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    source = Source(index=0, name=path.name, path=path, relpath=str(path), format="table", origin="", license="")
    if path.suffix.lower() == ".parquet":  # typed columns, no bad rows: read whole, not row by row
        # Every column as a column (not a stored index); integer ids with gaps stay integers.
        table = read_parquet(source)
        refuse_repeated_columns(source, table.column_names)
        table = table.to_pandas(ignore_metadata=True, integer_object_nulls=True)
    else:
        header, rows = read_rows(source)
        records = []
        for raw in rows:
            if raw.problem:
                raise SourceError(f"{path} {'row' if header is not None else 'line'} {raw.row}: {raw.problem}")
            if raw.values is not None:
                records.append(raw.values)
        table = pd.DataFrame.from_records(records, columns=header) if header is not None else pd.DataFrame(records)
    if text_column not in table.columns:
        shown = ", ".join(header_name(source, str(c), n) for n, c in enumerate(table.columns[:20], start=1)) or "none"
        raise SourceError(f"{path}: no column {text_column!r} (columns: {shown}); choose one with --text-column")
    for option, column in (options or {}).items():
        if column and column not in table.columns:
            raise SourceError(f"{path}: no column {column!r} for {option}")
    if isinstance(table[text_column].dtype, pd.CategoricalDtype):  # a Parquet dictionary column: its values
        table[text_column] = table[text_column].astype(object)
    if pd.api.types.infer_dtype(table[text_column], skipna=True) in ("string", "empty"):
        return table  # all text (or missing): nothing to name
    for position, text in enumerate(table[text_column], start=1):
        if text is not None and not isinstance(text, str) and not (isinstance(text, float) and math.isnan(text)):
            # The value is never shown: a number in a text column may be a card or phone number.
            raise SourceError(f"{path} record {position}, {text_column}: not text (a {kind_of(text)})")
    return table


def kind_of(value) -> str:
    """What a value is, in words, without the value."""
    if isinstance(value, (bool, numbers.Number, dict)):
        return "yes/no value" if isinstance(value, bool) else "number" if not isinstance(value, dict) else "mapping"
    return "list" if isinstance(value, (list, tuple)) or hasattr(value, "__array__") else type(value).__name__


def write_output(table: pd.DataFrame, path: Path, types: dict[str, pa.DataType]) -> None:
    """Written to a temporary file and renamed: a killed run leaves no half-written output."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    for name, arrow_type in types.items():
        arrow = arrow.set_column(arrow.schema.get_field_index(name), name, arrow[name].cast(arrow_type))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    pq.write_table(arrow, partial)
    os.replace(partial, path)
