"""What changed against the previous version: ids added, removed, relabelled, with changed text, moved
between splits; and the changelog that says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..ingest.sources import RELEASE_NOTES
from ..schema import schemas
from ..yamlfile import read_yaml
from .configs import default_rows, without_nan
from .history import Release


def changes(previous: Release | None, records: pd.DataFrame) -> dict:
    """Against the previous version: ids added, removed, relabelled, with changed text, moved split."""
    current = default_rows(records).set_index("id")
    if previous is None:
        return {"previous_version": None, "added": sorted(current.index), "removed": [], "relabelled": {},
                "text_changed": [], "moved_split": {}}
    before = without_nan(previous.records).set_index("id")
    common = sorted(set(current.index) & set(before.index))
    # A field an older release did not have yet is a schema change, not a relabelling.
    compared = [f for f in (*schemas().judgement_fields, "contrast_id", "label_source") if f in before.columns]
    relabelled = {}
    for rid in common:
        diff = {f: {"from": _plain(before.at[rid, f]), "to": _plain(current.at[rid, f])}
                for f in compared if _plain(before.at[rid, f]) != _plain(current.at[rid, f])}
        if diff:
            relabelled[rid] = diff
    return {
        "previous_version": previous.version,
        "added": sorted(set(current.index) - set(before.index)),
        "removed": sorted(set(before.index) - set(current.index)),
        "relabelled": relabelled,
        "text_changed": [rid for rid in common if before.at[rid, "text"] != current.at[rid, "text"]],
        "moved_split": {rid: {"from": before.at[rid, "split"], "to": current.at[rid, "split"]}
                        for rid in common if before.at[rid, "split"] != current.at[rid, "split"]},
    }


def _plain(value):
    return value.tolist() if hasattr(value, "tolist") else value


def release_note(raw_dir: Path, version: str) -> str | None:
    """The maintainers' word on why a version changes what it changes (data/raw/release_notes.yaml,
    version -> Markdown), or None."""
    path = raw_dir / RELEASE_NOTES
    notes = read_yaml(path) if path.is_file() else {}
    note = (notes or {}).get(version) if isinstance(notes, dict) else None
    return note.strip() if isinstance(note, str) and note.strip() else None


def changelog_markdown(version: str, change: dict, note: str | None = None) -> str:
    lines = [f"# Changelog: v{version}", "", schemas().dataset["canary"], ""]
    prev = change["previous_version"]
    lines += [f"Compared with v{prev}." if prev else "First release.", ""]
    if note:
        lines += ["## Why", "", note, ""]
    for title, key in (("Added", "added"), ("Removed", "removed"), ("Text changed", "text_changed")):
        lines.append(f"## {title} ({len(change[key])})")
        lines += [f"- `{rid}`" for rid in change[key]] + [""]
    lines.append(f"## Relabelled ({len(change['relabelled'])})")
    for rid, diff in change["relabelled"].items():
        lines.append(f"- `{rid}`: " + "; ".join(f"{f}: {d['from']} → {d['to']}" for f, d in diff.items()))
    lines += ["", f"## Moved between splits ({len(change['moved_split'])})"]
    lines += [f"- `{rid}`: {d['from']} → {d['to']}" for rid, d in change["moved_split"].items()]
    return "\n".join(lines) + "\n"
