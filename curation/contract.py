"""The working table's contract, read from schemas/pipeline.yaml: a record's fate, the columns each stage
reads and adds, and the context every stage is given.

Every stage of the release is `stage(table, context) -> (table, report)`, declared with `@stage(name)`:
the wrapper checks on entry that the table has the columns the stage reads (naming the missing ones) and
on exit that it added what it promises. A stage that breaks the contract is a bug, reported as such.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import pandas as pd

from .errors import ReleaseError
from .schema import schemas

if TYPE_CHECKING:
    from .ingest import SourceSet
    from .release.history import History
    from .report import StageReport


class Fate(str, Enum):
    """Where a record ends: one column, one vocabulary (schemas/pipeline.yaml `fates`)."""

    RELEASED = "released"
    AWAITING = "awaiting"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


@dataclass
class Context:
    """What the stages share beyond the table: read once, passed on."""

    version: str = "0.0.0"
    source_set: SourceSet | None = None
    history: History | None = None  # earlier releases; folded to matching forms once (History.by_form)
    annotations: pd.DataFrame | None = None  # one row per stored annotation (annotate.load_annotations)
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)  # per annotated id (annotate.decide)
    near_released: pd.DataFrame | None = None  # released items no longer in the batch that joined a cluster

    @property
    def judged(self) -> set[str]:
        """Ids with stored annotations."""
        return set() if self.annotations is None else set(self.annotations["id"].dropna())


def contract(name: str) -> dict:
    """A stage's entry in schemas/pipeline.yaml."""
    for entry in schemas().pipeline["stages"]:
        if entry["name"] == name:
            return entry
    raise KeyError(f"schemas/pipeline.yaml declares no stage {name!r}")


def require(table: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ReleaseError(f"{where}: the working table has no column(s) {', '.join(missing)} "
                           "(schemas/pipeline.yaml); this is a bug, please report it")


Stage = Callable[[pd.DataFrame, Context], "tuple[pd.DataFrame, StageReport]"]


def stage(name: str) -> Callable[[Stage], Stage]:
    """Declare a function as the stage `name` of schemas/pipeline.yaml, checked on entry and exit."""
    entry = contract(name)

    def wrap(run: Stage) -> Stage:
        @functools.wraps(run)
        def checked(table: pd.DataFrame, context: Context | None = None):
            require(table, entry["reads"], f"stage {name!r} (entry)")
            out, report = run(table, context if context is not None else Context())
            require(out, entry["adds"], f"stage {name!r} (exit)")
            return out, report

        checked.stage_name = name
        return checked

    return wrap


IN_PLAY = (Fate.RELEASED.value, Fate.AWAITING.value)


def kept(table: pd.DataFrame) -> pd.Series:
    """Rows still in play: on their way to release, or awaiting annotation (deduplicated and given ids alike)."""
    return table["fate"].isin(IN_PLAY)


def released(table: pd.DataFrame) -> pd.Series:
    """Rows on their way to release."""
    return table["fate"] == Fate.RELEASED
