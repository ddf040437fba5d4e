"""Personal-data screening before release: every free-text field of every record to be released
(record.yaml marks them `screened`) is searched for personal data.

What it protects is a living private person, in tiers (taxonomy.yaml `personal_data_kinds`): contact and
identifying data (phone, e-mail, My Number, card number, an address down to block or house number, a
postal code beside an address) block the release, and so does a name beside such data in the same item;
a name alone is reported for review and does not block. A blocking hit passes when it is in the prompt's text
of an item marked `fictional` (privacy prompts need invented data; the mark covers the prompt only, never
its id or a comment) or a maintainer acknowledged it in
`data/raw/personal_data_reviews.yaml` with a reason (historical figure, public figure, ...). Reports name
id, field, kind and span, never the personal data itself."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ReleaseError, SourceError
from ..ingest.sources import REVIEWS
from ..report import StageReport
from ..schema import schemas
from ..yamlfile import read_yaml
from .pii import detect

HIT_COLUMNS = ["id", "field", "kind", "start", "end", "fictional", "blocking", "acknowledged"]


def load_reviews(raw_dir: Path) -> dict[tuple[str, str, str, int, int], str]:
    """(id, field, kind, start, end) -> the reason a maintainer acknowledged that one hit (an item's or a
    model response's: its key); {} when there is no file. One hit at a time: acknowledging a historical
    figure never lets another name in the item pass."""
    path = raw_dir / REVIEWS
    if not path.is_file():
        return {}
    doc = read_yaml(path) or {}
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: must be a mapping with a `reviewed:` list")
    reasons = {r["code"] for r in schemas().taxonomy["personal_data_reviews"]}
    kinds = {k["code"] for k in schemas().taxonomy["personal_data_kinds"]}
    fields = set(schemas().screened_fields) | {f.name for f in schemas().response_fields if f.screened}
    out = {}
    for n, entry in enumerate(doc.get("reviewed") or [], start=1):
        where = f"{path}, entry {n}"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("id", "field", "kind")) \
                or not all(isinstance(entry.get(k), int) for k in ("start", "end")):
            raise SourceError(f"{where}: needs id, field, kind, start and end (as the personal-data report gives them)")
        if entry["field"] not in fields or entry["kind"] not in kinds:
            raise SourceError(f"{where}: field must be one of {sorted(fields)}, kind one of {sorted(kinds)}")
        if entry.get("reason") not in reasons:
            raise SourceError(f"{where}: reason must be one of {', '.join(sorted(reasons))}")
        out[(entry["id"], entry["field"], entry["kind"], entry["start"], entry["end"])] = entry["reason"]
    return out


def screen(records: pd.DataFrame, text_hits: pd.Series | None, reviews: dict | None = None,
           fields: list[str] | None = None) -> tuple[pd.DataFrame, StageReport]:
    """One row per personal-data hit in the released records' screened `fields` (default: the prompt
    record's); `text_hits` are those the tagger already found in `text` (index aligned), so the prompt is
    analysed once. `reviews`: load_reviews()."""
    report = StageReport("personal data")
    reviews = reviews or {}
    blocks = {k["code"]: bool(k["blocks"]) for k in schemas().taxonomy["personal_data_kinds"]}
    hits = []
    fields = fields or schemas().screened_fields
    columns = ["id", "fictional", *fields]
    text_hits = [None] * len(records) if text_hits is None else text_hits
    for values, found in zip(zip(*(records[c] for c in columns)), text_hits):
        record = dict(zip(columns, values))
        item = []
        for name in fields:
            text = record[name]
            if isinstance(text, str):
                item += [{"id": record["id"], "field": name, **hit, "fictional": bool(record["fictional"])}
                         for hit in (found if name == "text" and found is not None else detect(text))]
        # A name, or a postal code, beside contact data identifies a person; alone it does not.
        identifying = any(blocks[h["kind"]] for h in item)
        for hit in item:
            hit["blocking"] = blocks[hit["kind"]] or identifying
            hit["acknowledged"] = reviews.get((hit["id"], hit["field"], hit["kind"], hit["start"], hit["end"]))
        hits += item
    table = pd.DataFrame(hits, columns=HIT_COLUMNS)
    for kind, count in table["kind"].value_counts().sort_index().items():
        report.count(kind, int(count))
    report.counts["items with personal data"] = int(table["id"].nunique())
    report.counts["of which marked fictional"] = int(table.loc[table["fictional"], "id"].nunique())
    report.counts["acknowledged after review"] = int(table["acknowledged"].notna().sum())
    found = set(zip(table["id"], table["field"], table["kind"], table["start"], table["end"]))
    screened = set(records["id"])
    report.problems += [f"{REVIEWS}: {rid} {field} {kind} at {start}-{end} matches no hit (the text changed?)"
                        for rid, field, kind, start, end in sorted(set(reviews) - found)
                        if rid in screened and field in fields]  # reviews of other records are not stale here
    review = table[~table["blocking"] & ~table["fictional"] & table["acknowledged"].isna()]
    report.notes += [f"for review (a name, not blocking): {h.id} {h.field} {h.kind} at {h.start}-{h.end}"
                     for h in review.itertuples()]
    return table, report


def refuse_real_personal_data(hits: pd.DataFrame) -> None:
    """Stops the release when blocking personal data is found, not acknowledged, and not in the prompt's
    text of an item marked fictional."""
    # The mark vouches for the invented data in the prompt, not for an id or a comment (`fictional` in the
    # hits says whether the item is marked): a real e-mail as source_id was once released under it.
    exempt = hits["fictional"] & hits["field"].eq("text")
    blocking = hits[hits["blocking"] & ~exempt & hits["acknowledged"].isna()]
    if blocking.empty:
        return
    listed = [f"  {h.id} {h.field} {h.kind} at {h.start}-{h.end}" for h in blocking.itertuples()]
    raise ReleaseError(
        f"personal data found in {blocking['id'].nunique()} item(s) not marked fictional; remove it from the "
        "source, mark the item fictional (source `fictional` column or the annotators' 架空の個人情報), have "
        f"annotators flag it invalid, or, once reviewed, acknowledge it in {REVIEWS} beside sources.yaml "
        "(id, field, kind, reason):\n" + "\n".join(listed))
