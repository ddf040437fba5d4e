"""Every YAML file the tool reads goes through `read_yaml`: size-limited, and without aliases, so that a
small hostile file (an alias bomb in a `license:`) cannot take the machine's memory. A file that is not
valid YAML is a one-line error naming it and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import SourceError

MAX_BYTES = 1_000_000  # the largest file the project has (schemas/lexicons.yaml) is 40 KB


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: 10x faster than the pure-Python one


def refuse_aliases(text: str) -> None:
    """A YAMLError at the first alias (`*name`): none of the project's files needs one. The parse only
    lists events, so an alias bomb is never expanded."""
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(problem="aliases (*name) are not allowed here", problem_mark=event.start_mark)


def read_yaml(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The file's YAML; SourceError naming the file (and line) when it is too large or not valid YAML."""
    size = path.stat().st_size
    if size > max_bytes:
        raise SourceError(f"{path}: {size:,} bytes; a YAML file the tool reads may have at most {max_bytes:,}")
    try:
        # Two of AISI's goal trees hold U+000B inside URLs (a line-wrap artefact), which PyYAML refuses.
        text = path.read_text(encoding="utf-8").replace("\x0b", "")
        refuse_aliases(text)
        return yaml.load(text, Loader=LOADER)  # noqa: S506 (a SafeLoader, aliases refused above)
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise SourceError(f"{path}: not valid YAML (nested too deeply)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise SourceError(f"{path}{where}: not valid YAML ({problem})") from None
