"""Earlier releases under OUT: what ids exist, which split each is in, and the newest version.

Every earlier release is checked against its manifest before it is trusted: a release is immutable,
so a file whose checksum changed stops the run.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from .normalize import matching_forms
from .errors import ReleaseError
from .schema import VERSION

VERSION_DIR = re.compile(f"^v{VERSION}$")
MANIFEST = "manifest.json"



def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION_DIR.match(text if text.startswith("v") else "v" + text)
    if not match:
        raise ReleaseError(f"version {text!r} is not a SemVer version like 1.2.0 (no leading zeros)")
    return tuple(int(g) for g in match.groups())  # type: ignore[return-value]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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

    def by_form(self) -> dict[str, list[dict]]:
        """matching form -> the released records {id, text, split, added_in, release} with that form, earliest
        release first, each id once (its newest split). Two ids can share a form when the form folds more
        than it did when they were released."""
        found: dict[str, dict[str, dict]] = {}
        latest = self.latest_records()
        for rank, release in enumerate(self.releases):
            recs = release.records
            for form, rid in zip(matching_forms(recs["text"].tolist()), recs["id"]):
                found.setdefault(form, {}).setdefault(rid, {**latest[rid], "release": rank})
        return {form: list(by_id.values()) for form, by_id in found.items()}

    def latest_records(self) -> dict[str, dict]:
        """Every id ever released -> its record {id, text, split, added_in, ...} in the newest release holding it."""
        out: dict[str, dict] = {}
        for release in self.releases:
            out.update((rec["id"], rec) for rec in release.records.to_dict("records"))
        return out

    def ids(self) -> dict[str, str]:
        """Every id ever released -> its split in the newest release that holds it."""
        out: dict[str, str] = {}
        for release in self.releases:
            out.update(zip(release.records["id"], release.records["split"]))
        return out


def verify_release(path: Path) -> dict:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ReleaseError(f"{path}: no {MANIFEST}; not a release written by this tool")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files, configs = manifest["files"], manifest["configs"]
        assert isinstance(files, dict) and isinstance(configs["default"]["files"], dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise ReleaseError(f"{manifest_path}: damaged (not the JSON this tool writes); releases are immutable") from None
    present = {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()} - {MANIFEST}
    unlisted = sorted(present - set(files))
    if unlisted:
        raise ReleaseError(f"{path}: {', '.join(unlisted)} not listed in {MANIFEST}; releases are immutable")
    for rel, entry in files.items():
        file = path / rel
        if not file.is_file():
            raise ReleaseError(f"{path}: {rel} is listed in {MANIFEST} but missing; releases are immutable")
        if sha256_file(file) != entry["sha256"]:
            raise ReleaseError(f"{path}: {rel} does not match its sha256 in {MANIFEST}; releases are immutable")
    return manifest


def load_release(path: Path) -> Release:
    manifest = verify_release(path)
    frames = []
    for split, rel in manifest["configs"]["default"]["files"].items():
        frames.append(pq.read_table(path / rel).to_pandas().assign(split=split))
    records = pd.concat(frames, ignore_index=True)
    return Release(manifest["version"], path, manifest, records)


def load_history(out_dir: Path) -> History:
    if not out_dir.is_dir():
        return History()
    versions = sorted(
        (parse_version(p.name), p) for p in out_dir.iterdir() if p.is_dir() and VERSION_DIR.match(p.name)
    )
    return History([load_release(p) for _, p in versions])
