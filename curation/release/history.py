"""Earlier releases under OUT: what ids exist, which split each is in, and the newest version.

Every earlier release is checked against its manifest before it is trusted: a release is immutable,
so a file whose checksum changed stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..errors import ReleaseError
from ..text import matching_forms
from .layout import VERSION_DIR, parse_version, verify_release


@dataclass
class Release:
    version: str
    path: Path
    manifest: dict
    records: pd.DataFrame  # the default config, all splits, with a `split` column


@dataclass
class History:
    releases: list[Release] = field(default_factory=list)

    @property
    def latest(self) -> Release | None:
        return self.releases[-1] if self.releases else None

    def next_version(self) -> str:
        if not self.latest:
            return "0.1.0"
        major, minor, _ = parse_version(self.latest.version)
        return f"{major}.{minor + 1}.0"

    @cached_property
    def form_of(self) -> dict[str, str]:
        """Every text ever released -> its matching form: the earlier releases are folded once, here."""
        texts = list(dict.fromkeys(t for release in self.releases for t in release.records["text"]))
        return dict(zip(texts, matching_forms(texts)))

    @cached_property
    def by_form(self) -> dict[str, list[dict]]:
        """matching form -> the released records {id, text, split, added_in, release} with that form, earliest
        release first, each id once (its newest split). Two ids can share a form when the form folds more
        than it did when they were released."""
        found: dict[str, dict[str, dict]] = {}
        latest = self.newest_records
        for rank, release in enumerate(self.releases):
            recs = release.records
            for form, rid in zip(recs["text"].map(self.form_of), recs["id"]):
                found.setdefault(form, {}).setdefault(rid, {**latest[rid], "release": rank})
        return {form: list(by_id.values()) for form, by_id in found.items()}

    @cached_property
    def newest_records(self) -> dict[str, dict]:
        """Every id ever released -> its record {id, text, split, added_in, ...} in the newest release holding it."""
        out: dict[str, dict] = {}
        for release in self.releases:
            out.update((rec["id"], rec) for rec in release.records.to_dict("records"))
        return out

    @cached_property
    def split_of(self) -> dict[str, str]:
        """Every id ever released -> its split in the newest release that holds it."""
        return {rid: rec["split"] for rid, rec in self.newest_records.items()}


def load_release(path: Path) -> Release:
    """An earlier release under OUT, verified; its folder name and its manifest must agree on the version."""
    manifest = verify_release(path)
    if manifest["version"] != path.name.removeprefix("v"):
        raise ReleaseError(f"{path}: its manifest says version {manifest['version']}; releases are immutable")
    frames = []
    for split, rel in manifest["configs"]["default"]["files"].items():
        try:
            frames.append(pq.read_table(path / rel).to_pandas().assign(split=split))
        except Exception:  # pyarrow raises several types for a file that is not Parquet
            raise ReleaseError(f"{path}: {rel} is not a readable Parquet file; releases are immutable") from None
    records = pd.concat(frames, ignore_index=True)
    return Release(manifest["version"], path, manifest, records)


def release_folders(out_dir: Path) -> list[Path]:
    """The release folders (vX.Y.Z) under OUT, oldest first; none read or verified yet."""
    if not out_dir.is_dir():
        return []
    return [p for _, p in sorted((parse_version(p.name), p) for p in out_dir.iterdir()
                                 if p.is_dir() and VERSION_DIR.match(p.name))]


def load_history(out_dir: Path) -> History:
    return History([load_release(p) for p in release_folders(out_dir)])
