"""Values: a raw cell or JSON value as its field's type (record.yaml and formats.yaml), or BadValue."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any

from ..errors import SourceError
from ..schema import UnknownValue, alias_key, schemas
from ..text import release_text
from .sources import Source

EXCEL_TIMESTAMP = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2})(?::(\d{2}))?$")
TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
# Fields later stages fill in; the record is validated without them here.
ASSIGNED_LATER = ("id", "added_in", "contrast_id")


class BadValue(ValueError):
    pass


@lru_cache(maxsize=1)
def field_types() -> dict[str, tuple[str, str | None]]:
    """(type, item type) of every field a format can map to, from record.yaml and formats.yaml."""
    types = {f.name: (f.type, f.items) for f in schemas().fields}
    types.update({name: (t, None) for name, t in schemas().formats["working_fields"].items()})
    return types


@lru_cache(maxsize=1)
def value_words() -> tuple[re.Pattern, frozenset, frozenset]:
    values = schemas().formats["values"]
    separators = re.compile("([" + re.escape(values["list_separators"]) + "])")
    return (separators, frozenset(alias_key(w) for w in values["yes_words"]),
            frozenset(alias_key(w) for w in values["no_words"]))


def split_list(raw: str, items: str | None) -> list[str]:
    """Split a cell into values, keeping a vocabulary value whole when it contains a separator."""
    tokens = value_words()[0].split(raw)  # value, separator, value, ...
    parts, vocabulary = tokens[0::2], schemas().vocabulary(items or "")
    out, i = [], 0
    while i < len(parts):
        end = i + 1
        if vocabulary is not None:
            for j in range(len(parts), i + 1, -1):
                if alias_key("".join(tokens[2 * i:2 * j - 1])) in vocabulary.aliases:
                    end = j
                    break
        out.append("".join(tokens[2 * i:2 * end - 1]).strip())
        i = end
    return out


def parse_value(type_name: str, items: str | None, raw: Any) -> Any:
    """A raw cell or JSON value as the field's type; None for empty. Raises BadValue."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if type_name == "list":
        if isinstance(raw, str):
            parts = split_list(raw, items)
        elif isinstance(raw, (list, tuple)):
            parts = list(raw)
        else:
            raise BadValue(f"must be a list, got {type(raw).__name__}")
        parsed = [parse_value(items or "string", None, p) for p in parts]
        return list(dict.fromkeys(p for p in parsed if p is not None))
    if type_name == "bool":
        if isinstance(raw, bool):
            return raw
        _, yes, no = value_words()
        word = alias_key(str(raw))
        if word in yes or word in no:
            return word in yes
        raise BadValue("must be yes or no (はい／いいえ)")
    if type_name == "json":
        if isinstance(raw, dict):
            return raw
        try:
            value = json.loads(raw) if isinstance(raw, str) else None
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            raise BadValue("must be a JSON object")
        return value
    if not isinstance(raw, str):
        raise BadValue(f"must be text, got {type(raw).__name__}")
    if type_name == "timestamp":
        return parse_timestamp(raw)
    if type_name == "goal":
        return unicodedata.normalize("NFKC", raw).strip().upper()
    vocabulary = schemas().vocabulary(type_name)
    if vocabulary is not None:
        try:
            return vocabulary.code(raw)
        except UnknownValue as exc:
            raise BadValue(str(exc)) from None
    # Free text: NFC only, never rewritten; a line break inside a cell is the file format's (Excel's CRLF, a
    # classic Mac file's CR), not the text's: written as LF.
    return release_text(raw.replace("\r\n", "\n").replace("\r", "\n"))


def parse_timestamp(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    quick = EXCEL_TIMESTAMP.match(text)  # what Excel writes; strptime below is ten times slower
    if quick:
        try:
            return datetime(*(int(g or 0) for g in quick.groups())).isoformat()
        except ValueError:
            pass
    for fmt in TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise BadValue("is not a date and time like 2026/09/03 14:22") from None


def parse_field(name: str, raw: Any) -> Any:
    type_name, items = field_types()[name]
    try:
        return parse_value(type_name, items, raw)
    except BadValue:
        if name == "contributor":  # never echo an identity into a report
            raise BadValue("must be a plain text identifier (value not shown: it identifies a person)") from None
        raise


def source_defaults(source: Source) -> dict[str, Any]:
    """The source's `defaults`, parsed like cells; a wrong one stops the run before any row is read."""
    parsed = {}
    for name, raw in source.defaults.items():
        if name not in field_types() or name in ("key", "contributor", *ASSIGNED_LATER):
            raise SourceError(f"sources.yaml, source {source.name!r}: `defaults` names {name!r}, "
                              "which is not a field a default can set")
        try:
            parsed[name] = parse_field(name, raw if isinstance(raw, (list, bool)) else str(raw))
        except BadValue as exc:
            raise SourceError(f"sources.yaml, source {source.name!r}: default {name}: {exc}") from None
    return parsed

