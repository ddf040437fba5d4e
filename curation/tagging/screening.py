"""Personal-data screening before release: every free-text field of every record to be released
(record.yaml marks them `screened`) is searched for personal data. A hit blocks the release unless the
item is marked `fictional` (privacy prompts need invented names and numbers), by its source or by
annotators. The report lists every hit by id, field, kind and span, never the personal data itself."""

from __future__ import annotations

import pandas as pd

from ..errors import ReleaseError
from ..report import StageReport
from ..schema import schemas
from .pii import detect

HIT_COLUMNS = ["id", "field", "kind", "start", "end", "fictional"]


def screen(records: pd.DataFrame, text_hits: pd.Series) -> tuple[pd.DataFrame, StageReport]:
    """One row per personal-data hit in the released records; `text_hits` are those the tagger already
    found in `text` (index aligned), so the prompt is analysed once."""
    report = StageReport("personal data")
    hits = []
    fields = schemas().screened_fields
    columns = ["id", "fictional", *fields]
    for values, found in zip(zip(*(records[c] for c in columns)), text_hits):
        record = dict(zip(columns, values))
        for name in fields:
            text = record[name]
            if isinstance(text, str):
                hits += [{"id": record["id"], "field": name, **hit, "fictional": bool(record["fictional"])}
                         for hit in (found if name == "text" else detect(text))]
    table = pd.DataFrame(hits, columns=HIT_COLUMNS)
    for kind, count in table["kind"].value_counts().sort_index().items():
        report.count(kind, int(count))
    report.counts["items with personal data"] = int(table["id"].nunique())
    report.counts["of which marked fictional"] = int(table.loc[table["fictional"], "id"].nunique())
    return table, report


def refuse_real_personal_data(hits: pd.DataFrame) -> None:
    """Stops the release when personal data is found in an item not marked fictional."""
    blocking = hits[~hits["fictional"]]
    if blocking.empty:
        return
    listed = [f"  {h.id} {h.field} {h.kind} at {h.start}-{h.end}" for h in blocking.itertuples()]
    raise ReleaseError(
        f"personal data found in {blocking['id'].nunique()} item(s) not marked fictional; remove it from the "
        "source, mark the item fictional (source `fictional` column or the annotators' 架空の個人情報), or "
        "have annotators flag it invalid:\n" + "\n".join(listed))
