"""`data/raw/sources.yaml`: the declaration of every input file, checked before anything is read."""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from ..fileinfo import file_entry
from ..schema import schemas
from ..yamlfile import read_yaml

PSEUDONYM_KEY_ENV = "CURATION_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
REVIEWS = "personal_data_reviews.yaml"  # maintainers' acknowledged personal-data hits (tagging/screening.py)
RELEASE_NOTES = "release_notes.yaml"  # maintainers' word on why a version changes (release/changes.py)



@dataclass(frozen=True)
class Source:
    index: int
    name: str
    path: Path
    relpath: str
    format: str
    origin: str
    license: str
    encoding: str | None = None
    defaults: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSet:
    raw_dir: Path
    sources: tuple[Source, ...]
    pseudonym_key: bytes | None = field(repr=False)  # None: no key given (fine while no identity is read)
    key_from_file: str | None = None  # where the key came from, when not from the environment
    _pseudonyms: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _read: dict[str, dict] = field(default_factory=dict, repr=False, compare=False)  # relpath -> file_entry

    def pseudonym(self, identity: str, where: str = "an input") -> str:
        """Stable keyed pseudonym: the same contributor gets the same pseudonym in every release. The key
        is needed only once an identity is read (`where` says where, for the error)."""
        if self.pseudonym_key is None:
            raise SourceError(
                f"no pseudonymization key, but {where} carries contributor or annotator identities: set "
                f"{PSEUDONYM_KEY_ENV} (at least {MIN_KEY_BYTES} bytes) or name a `pseudonym_key_file` in "
                f"{self.raw_dir / 'sources.yaml'} (identities are never released raw)")
        known = self._pseudonyms.get(identity)
        if known is None:
            known = self._pseudonyms[identity] = self._keyed_hash(identity)
        return known

    def _keyed_hash(self, identity: str) -> str:
        normalized = unicodedata.normalize("NFKC", identity).strip().casefold()
        digest = hmac.new(self.pseudonym_key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
        return "anon-" + digest[:12]

    def fingerprints(self) -> list[dict]:
        """sha256 and size of sources.yaml, every declared file, the personal-data reviews and the release
        notes: what a release was built from. A source read by ingest must still be what was read."""
        paths = [("sources.yaml", self.raw_dir / "sources.yaml")]
        paths += [(s.relpath, s.path) for s in self.sources]
        paths += [(name, self.raw_dir / name) for name in (REVIEWS, RELEASE_NOTES) if (self.raw_dir / name).is_file()]
        entries = [{"path": rel, **file_entry(p)} for rel, p in paths]
        for entry in entries:
            self.unchanged(entry["path"], entry, "since it was read (during the run)")
        return entries

    def reading(self, source: Source) -> None:
        """Notes the file's fingerprint before it is read (`unchanged` compares it after)."""
        self._read[source.relpath] = file_entry(source.path)

    def unchanged(self, relpath: str, now: dict, when: str) -> None:
        """Refuses a source that changed after `reading`: its records would not be the file the manifest
        fingerprints (a file appended to during a run: 30,100 rows fingerprinted, 30,000 counted)."""
        before = self._read.get(relpath)
        if before is not None and (before["sha256"], before["bytes"]) != (now["sha256"], now["bytes"]):
            raise SourceError(f"{relpath}: the file changed {when} ({before['bytes']:,} bytes, then "
                              f"{now['bytes']:,}); rerun once nothing writes to it")


def load_sources(raw_dir: Path) -> SourceSet:
    manifest = raw_dir / "sources.yaml"
    if not manifest.is_file():
        raise SourceError(f"{manifest}: not found; every input file must be declared there")
    doc = read_yaml(manifest) or {}
    if not isinstance(doc, dict):
        raise SourceError(f"{manifest}: must be a mapping with a `sources:` list")
    entries = doc.get("sources")
    if not isinstance(entries, list) or not entries:
        raise SourceError(f"{manifest}: needs a non-empty list `sources:`")
    known_formats = list(schemas().input_formats)
    sources, names, paths = [], set(), {}
    for index, entry in enumerate(entries):
        where = f"{manifest}, source #{index + 1}"
        if not isinstance(entry, dict):
            raise SourceError(f"{where}: must be a mapping with path, format, origin, license")
        missing = [k for k in ("name", "path", "format", "origin", "license") if not entry.get(k)]
        if missing:
            raise SourceError(f"{where}: missing required key(s): {', '.join(missing)}")
        not_text = [k for k in ("name", "path", "format", "origin", "license", "encoding")
                    if entry.get(k) is not None and not isinstance(entry[k], (str, int, float))]
        if not_text:
            raise SourceError(f"{where}: {', '.join(not_text)} must be plain text, not a list or mapping")
        where = f"{manifest}, source {entry['name']!r}"
        if entry["name"] in names:
            raise SourceError(f"{where}: the name is used twice")
        names.add(entry["name"])
        if entry["format"] not in known_formats:
            raise SourceError(f"{where}: unknown format {entry['format']!r} (known: {', '.join(known_formats)})")
        if entry["origin"] not in schemas().origin.codes:
            raise SourceError(f"{where}: unknown origin {entry['origin']!r} (crowd, expert or peer)")
        path = inside(raw_dir, str(entry["path"]), where)
        if not path.is_file():
            raise SourceError(f"{where}: file {entry['path']} not found under {raw_dir}")
        if path in paths:
            raise SourceError(f"{where}: {entry['path']} is already declared as source {paths[path]!r}")
        paths[path] = entry["name"]
        if not isinstance(entry.get("defaults") or {}, dict):
            raise SourceError(f"{where}: `defaults` must be a mapping such as {{label: unsafe}}")
        sources.append(
            Source(
                index=index,
                name=entry["name"],
                path=path,
                relpath=str(entry["path"]),
                format=entry["format"],
                origin=entry["origin"],
                license=str(entry["license"]),
                encoding=str(entry["encoding"]) if entry.get("encoding") else None,
                defaults=dict(entry.get("defaults") or {}),
            )
        )
    return SourceSet(raw_dir, tuple(sources), *_pseudonym_key(raw_dir, doc))


def inside(raw_dir: Path, relpath: str, where: str) -> Path:
    """A declared file, resolved (symlinks followed), which must lie inside the raw folder: sources.yaml
    names inputs, not any file the process can read."""
    if "\x00" in relpath:
        raise SourceError(f"{where}: the path holds a NUL character; name a file")
    try:
        path = (raw_dir / relpath).resolve()
    except (RuntimeError, OSError):  # a symlink loop (RuntimeError before Python 3.13, OSError after)
        raise SourceError(f"{where}: {relpath} is a symlink loop; name a file") from None
    if not path.is_relative_to(raw_dir.resolve()):
        raise SourceError(f"{where}: {relpath} is outside {raw_dir} (after following links); inputs must be in it")
    return path


def _pseudonym_key(raw_dir: Path, doc: dict) -> tuple[bytes | None, str | None]:
    """The key (None when none is given) and, when it came from a file rather than the environment, that
    file. A short key is refused: a pseudonym made with it can be reversed by guessing identities."""
    key, origin = None, None
    if PSEUDONYM_KEY_ENV in os.environ:
        key, origin = os.environ[PSEUDONYM_KEY_ENV].encode("utf-8"), PSEUDONYM_KEY_ENV
    elif doc.get("pseudonym_key_file"):
        path = inside(raw_dir, str(doc["pseudonym_key_file"]), f"{raw_dir / 'sources.yaml'}, pseudonym_key_file")
        if not path.is_file():
            raise SourceError(f"{raw_dir / 'sources.yaml'}: pseudonym_key_file {doc['pseudonym_key_file']} not found")
        key, origin = path.read_bytes().strip(), str(doc["pseudonym_key_file"])
    if key is not None and len(key) < MIN_KEY_BYTES:
        raise SourceError(f"the pseudonymization key from {origin} is {'empty' if not key else 'too short'}: "
                          f"use at least {MIN_KEY_BYTES} random bytes")
    return key, (origin if origin != PSEUDONYM_KEY_ENV else None)
