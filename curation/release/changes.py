"""What changed against the previous version: ids added, removed, relabelled, with changed text, moved
between splits; and the changelog that says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..contract import Fate, kept
from ..ingest.sources import RELEASE_NOTES
from ..report import StageReport
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


PEOPLE = ("annotators", "adjudication", "ground_truth")  # label sources that are people's decisions


def previous_rows(previous: Release | None, config: str) -> pd.DataFrame:
    """Every row of a config of the previous release (empty when it had none); the default config's were
    read with the history."""
    if previous is None or config not in previous.manifest["configs"]:
        return pd.DataFrame()
    if config == "default":
        return previous.records
    files = previous.manifest["configs"][config]["files"].values()
    return pd.concat([pq.read_table(previous.path / rel).to_pandas() for rel in files], ignore_index=True)


NO_JUDGEMENT = "no stored judgement decides it any more (an export was removed or emptied?)"


def lost_report(change: dict) -> StageReport:
    """The release report's account of the people's decisions that left (change: lost_decisions' entries)."""
    report = StageReport("decisions kept", {"prompt decisions no longer in force": len(change["decisions_lost"]),
                                            "response verdicts no longer in force": len(change["verdicts_lost"])})
    report.problems += [f"{item}: {why}" for name in ("decisions_lost", "verdicts_lost")
                        for item, why in change[name].items()]
    return report


def lost_decisions(before: pd.DataFrame, now: pd.DataFrame, key: str, why: dict[str, str],
                   otherwise: str) -> dict[str, str]:
    """Items (by `key`) that people had decided in the previous release and that no people's decision holds
    now, each with why (`why`: key -> reason; `otherwise` for an item it does not name). A release older
    than label_source had no people's decisions to lose."""
    decided = set(before.loc[before["label_source"].isin(PEOPLE), key]) if "label_source" in before else set()
    still = set(now.loc[now["label_source"].isin(PEOPLE), key]) if len(now) else set()
    return {item: why.get(item, otherwise) for item in sorted(decided - still)}


def why_undecided(judgements: pd.DataFrame, queue: pd.DataFrame, fates: dict[str, str]) -> dict[str, str]:
    """item -> why no people's decision holds it: withdrawn (the recorded reason), waiting for an adjudicator
    (why the votes split), or what became of it in this release (`fates`)."""
    why = dict(fates)
    why.update({item: f"waiting for adjudication ({reason})" for item, reason in zip(queue["id"], queue["reason"])})
    withdrawn = judgements[judgements["withdrawn"].notna()]
    why.update({item: f"withdrawn: {reason}" for item, reason in zip(withdrawn["id"], withdrawn["withdrawn"])})
    return why


def prompt_fates(table: pd.DataFrame, before: pd.DataFrame) -> dict[str, str]:
    """Of the previous release's prompts, those this release does not release, and why."""
    in_play = table[kept(table)]
    fates = {rid: f"not released: {fate}" for rid, fate in zip(in_play["id"], in_play["fate"])
             if fate != Fate.RELEASED}
    gone = set(before["id"]) - set(in_play["id"]) if len(before) else set()
    fates.update({rid: "no longer among the records (removed from the sources, or now a duplicate or "
                       "quarantined: reports/accounting.jsonl)" for rid in gone})
    return fates


def response_fates(lines: list[dict], before: pd.DataFrame, read: bool) -> dict[str, str]:
    """Of the previous release's judged responses, those this release does not release, and why (`read`:
    whether stored responses were read at all)."""
    fates = {line["key"]: f"not released: {line['fate']}" for line in lines if line["fate"] != "released"}
    gone = ("no longer stored among the responses read" if read else
            "no responses were read (--responses none, the default for a raw folder other than data/raw)")
    stored = {line["key"] for line in lines}
    fates.update({key: gone for key in (set(before["key"]) if len(before) else set()) - stored})
    return fates


def response_changes(before: pd.DataFrame, now: pd.DataFrame) -> dict:
    """Judged responses against the previous release: keys added, no longer released, verdict changed."""
    was = dict(zip(before["key"], before["verdict"])) if len(before) else {}
    is_ = dict(zip(now["key"], now["verdict"])) if len(now) else {}
    return {"responses_added": sorted(set(is_) - set(was)), "responses_removed": sorted(set(was) - set(is_)),
            "verdicts_changed": {k: {"from": was[k], "to": is_[k]} for k in sorted(set(was) & set(is_))
                                 if was[k] != is_[k]}}


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
    for title, name in (("Prompt decisions no longer in force", "decisions_lost"),
                        ("Response verdicts no longer in force", "verdicts_lost")):
        if prev and name in change:  # people's decisions that left: each named, with why
            lines += ["", f"## {title} ({len(change[name])})"]
            lines += [f"- `{item}`: {why}" for item, why in change[name].items()]
    if "responses_added" in change:
        lines += ["", "## Judged responses", "", f"{len(change['responses_added'])} added, "
                  f"{len(change['responses_removed'])} no longer released, "
                  f"{len(change['verdicts_changed'])} with another verdict (keys in the responses config)."]
    return "\n".join(lines) + "\n"
