"""How a file is described wherever the project records one (a release's manifest, a release's inputs):
its sha256 and size. Kept apart from the release package so that ingest can use it without importing it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_entry(path: Path) -> dict:
    """How the manifest (and a release's `inputs`) describes a file."""
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}
