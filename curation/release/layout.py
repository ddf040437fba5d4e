"""The on-disk release format, in one place: folder names, shard paths, the manifest and its file entries,
verification, and the atomic write. Release, history, publish and the Inspect task all go through here.

Layout of `OUT/vX.Y.Z/` (what `datasets.load_dataset(folder)` and the Hub read alike):
  README.md                                  the dataset card (card.py)
  data/<split>-00000-of-00001.parquet        config `default`
  aisev/<split>-00000-of-00001.parquet       config `aisev`
  aisev/<split>.csv                          the same rows as the CSV aisev's upload parses
  borderline/<split>-00000-of-00001.parquet  config `borderline`
  responses/<split>-00000-of-00001.parquet   config `responses` (judged model responses, when there are any)
  CHANGELOG.md, manifest.json, reports/accounting.jsonl, reports/summary.md, reports/coverage.png, ...
A split (or config) with no rows is left out: `datasets` cannot read an empty Parquet split.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..errors import ReleaseError
from ..fileinfo import file_entry, sha256_file
from ..schema import VERSION, schemas

MANIFEST = "manifest.json"
COVERAGE_PNG = "reports/coverage.png"  # the goal trees' coverage at a glance (release/coverage.py)
CONFIG_DIRS = {"default": "data", "aisev": "aisev", "borderline": "borderline", "responses": "responses"}
RESPONSES_PNG = "reports/responses.png"  # violation rates per model and viewpoint (responses/scores.py)
VERSION_DIR = re.compile(f"^v{VERSION}$")
TEMPORARY = re.compile(f"^\\.tmp-v{VERSION}-\\d+$")  # write_release's folder: .tmp-v1.2.0-<pid>
Tables = dict[str, dict[str, pa.Table]]  # config -> split -> rows


def shard_path(config: str, split: str) -> str:
    return f"{CONFIG_DIRS[config]}/{split}-00000-of-00001.parquet"


def aisev_csv_path(split: str) -> str:
    """The `aisev` config's split as the CSV aisev uploads; beside the Parquet shards, outside the config."""
    return f"{CONFIG_DIRS['aisev']}/{split}.csv"


def parse_version(text: str) -> tuple[int, int, int]:
    match = VERSION_DIR.match(text if text.startswith("v") else "v" + text)
    if not match:
        raise ReleaseError(f"version {text!r} is not a SemVer version like 1.2.0 (no leading zeros)")
    return tuple(int(g) for g in match.groups())  # type: ignore[return-value]


def write_shard(table: pa.Table, path: Path) -> None:
    # Fixed writer options (schemas/pipeline.yaml): the same table always gives the same bytes (same pyarrow).
    pq.write_table(table, path, **schemas().tuning["parquet"])


def verify_release(path: Path) -> dict:
    """The release's manifest, once every file is checked against it: a release is immutable. A link, a
    path leading out of the folder or an entry without its checksum is a damaged release, never followed."""
    manifest_path = path / MANIFEST
    if path.is_symlink() or not manifest_path.is_file() or manifest_path.is_symlink():
        raise ReleaseError(f"{path}: no {MANIFEST}; not a release written by this tool")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files, configs = manifest["files"], manifest["configs"]
        assert isinstance(manifest["version"], str)
        listed = [rel for config in configs.values() for rel in config["files"].values()]
        listed += list((manifest.get("aisev_csv") or {}).values())
        assert isinstance(files, dict) and isinstance(configs["default"]["files"], dict)
        assert all(isinstance(e, dict) and isinstance(e.get("sha256"), str) for e in files.values())
    except (ValueError, KeyError, TypeError, AttributeError, AssertionError, RecursionError):
        raise ReleaseError(f"{manifest_path}: damaged (not the JSON this tool writes); "
                           "releases are immutable") from None
    root = path.resolve()
    for rel in [*files, *listed]:
        if not isinstance(rel, str) or rel not in files or "\x00" in rel or posixpath.normpath(rel) != rel \
                or rel.startswith("/") or not (root / rel).resolve().is_relative_to(root):
            raise ReleaseError(f"{manifest_path}: lists a path outside the release or not among its files; "
                               "releases are immutable")
    present = set()
    for folder, dirs, names in os.walk(path):  # links are not followed: a link is itself the damage
        for name in dirs + names:
            if (Path(folder) / name).is_symlink():
                raise ReleaseError(f"{path}: {Path(folder, name).relative_to(path)} is a link; releases hold files")
        present |= {str((Path(folder) / name).relative_to(path)) for name in names}
    present -= {MANIFEST}
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


def code_version() -> dict:
    """The package version, the git commit of the code (+dirty when curation/ or schemas/ differ from it),
    and the Parquet writer, which decides the bytes of the data files."""
    root = Path(__file__).resolve().parents[2]
    version = {"package": __version__, "git_commit": None, "pyarrow": pa.__version__}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "curation", "schemas"],
                               capture_output=True, text=True)
        if commit.returncode == 0:
            version["git_commit"] = commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        pass
    return version


def row_counts(tables: Tables) -> dict[str, dict[str, int]]:
    return {c: {s: t.num_rows for s, t in splits.items()} for c, splits in tables.items()}


def manifest(version: str, previous_version: str | None, inputs: list[dict], tables: Tables, totals: dict,
             change: dict) -> dict:
    """Everything but the file checksums, which write_release adds once the files exist."""
    return {
        "dataset": schemas().dataset["name"],
        "version": version,
        "previous_version": previous_version,
        "canary_guid": schemas().dataset["canary_guid"],
        "code": code_version(),
        "inputs": inputs,
        "configs": {c: {"files": {s: shard_path(c, s) for s in splits}, "rows": row_counts(tables)[c]}
                    for c, splits in tables.items()},
        "aisev_csv": {s: aisev_csv_path(s) for s in tables.get("aisev", {})},
        "accounting": totals,
        "changes": {k: (len(v) if isinstance(v, (list, dict)) else v) for k, v in change.items()},
    }


def remove_stale_temporaries(out_dir: Path) -> list[str]:
    """Remove the temporary folders of runs that died before renaming theirs into place (their process is
    gone); a running release's folder is left alone. The names removed."""
    removed = []
    for tmp in sorted(out_dir.glob(".tmp-v*-*")) if out_dir.is_dir() else []:
        if not TEMPORARY.match(tmp.name):
            continue  # not one of ours (a maintainer's .tmp-v0.1.0-backup stays)
        try:
            os.kill(int(tmp.name.rsplit("-", 1)[-1]), 0)
            continue  # still running
        except ProcessLookupError:
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp.name)
        except PermissionError:
            continue  # another user's live process
    return removed


def outside_releases(path: Path, flag: str) -> None:
    """Releases are read-only: nothing a command writes may land inside one (links and .. resolved), where
    it would overwrite the manifest or the index, or leave a file the manifest does not list."""
    where = path.resolve()
    for folder in [where, *where.parents]:
        if VERSION_DIR.match(folder.name) and (folder / "manifest.json").is_file():
            raise ReleaseError(f"{flag} {path}: inside the release {folder}; releases are read-only, write elsewhere")


def check_out(out_dir: Path) -> None:
    """OUT must be a folder of releases, or a path one can be made at, and not inside a release: checked
    before the pipeline runs (a file there once failed only at the write, after every stage, with a
    traceback)."""
    outside_releases(out_dir, "--out")
    for folder in [out_dir, *out_dir.parents]:
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise ReleaseError(f"{out_dir}: {folder} is a file, not a folder; choose another --out (OUT=)")
            return


def ensure_new(out_dir: Path, version: str) -> Path:
    final = out_dir / f"v{version}"
    if final.exists():
        raise ReleaseError(f"{final} already exists; a released version is never overwritten (choose VERSION=)")
    return final


def write_release(out_dir: Path, version: str, tables: Tables, texts: dict[str, str | bytes],
                  manifest_doc: dict) -> Path:
    """Write everything into a temporary folder beside the target, then rename it into place.
    An existing version is never touched. `manifest_doc` gets the file entries once the files exist."""
    final = out_dir / f"v{version}"  # checked new before the stages ran (ensure_new); the rename checks again
    check_out(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    tmp = out_dir / f".tmp-v{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for config, splits in tables.items():
            for split, table in splits.items():
                (tmp / shard_path(config, split)).parent.mkdir(parents=True, exist_ok=True)
                write_shard(table, tmp / shard_path(config, split))
        for rel, text in texts.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                (tmp / rel).write_bytes(text)
            else:
                (tmp / rel).write_text(text, encoding="utf-8")
        manifest_doc["files"] = {str(p.relative_to(tmp)): file_entry(p) for p in sorted(tmp.rglob("*")) if p.is_file()}
        (tmp / MANIFEST).write_text(json.dumps(manifest_doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        try:
            os.rename(tmp, final)  # fails if the version appeared meanwhile: nothing is overwritten
        except OSError:
            raise ReleaseError(f"{final} was written by another run meanwhile; a released version is never "
                               "overwritten") from None
    except OSError as exc:  # a full disk, a lost permission: nothing partial stays, and one line says why
        shutil.rmtree(tmp, ignore_errors=True)
        why = exc.strerror or str(exc) or type(exc).__name__
        raise ReleaseError(f"{final}: not written ({why}); nothing was released and the partial folder is "
                           "removed") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
