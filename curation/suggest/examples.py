"""What the suggestion model learns from, as one table (model.EXAMPLE_COLUMNS):

- `decided`: released items, whose labels people decided (a contributor, annotators' majority, an
  adjudicator or ground truth); never the model's own suggestions, which are not released as labels;
- `aisi-preset`: AISI's preset prompts (aisev's `backend/dataset/output/*.csv`, Apache-2.0), shipped under
  `data/raw/training/aisi-presets/` as training input only: they carry a viewpoint and a goal, no label;
- `goal`: AISI's own text of every goal of the ten trees (schemas/gsn/), so that every leaf has a
  prototype before anyone has decided an item for it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import SourceError
from ..schema import UnknownValue, schemas
from .model import EXAMPLE_COLUMNS

PRESET_COLUMNS = ("ten_perspective", "text", "gsn_perspective")
TRAINING_FOLDER = Path("training")  # inside a raw folder: data/raw/training/<set>/*.csv, aisev's columns


def leaf_or_none(goal) -> str | None:
    tree = schemas().goal_tree
    return goal if isinstance(goal, str) and goal in tree.goals and tree[goal].leaf else None


def decided_examples(records: pd.DataFrame) -> pd.DataFrame:
    """Released rows: every label people decided. Only leaf goals teach the leaf choice."""
    rows = records[records["primary_viewpoint"].notna()]
    return pd.DataFrame({
        "kind": "decided", "id": rows["id"], "text": rows["text"],
        "viewpoints": rows["viewpoints"].map(list), "primary_viewpoint": rows["primary_viewpoint"],
        "gsn_goal": rows["gsn_goal"].map(leaf_or_none), "label": rows["label"],
        "borderline": rows["borderline"].map(lambda b: bool(b) if b is not None and b == b else None),
    }, columns=EXAMPLE_COLUMNS)


def preset_files(raw_dir: Path | None) -> list[Path]:
    folder = raw_dir / TRAINING_FOLDER if raw_dir is not None else None
    return sorted(folder.glob("*/*.csv")) if folder is not None and folder.is_dir() else []


def preset_examples(files: list[Path]) -> pd.DataFrame:
    """AISI's preset rows (columns ten_perspective, text, gsn_perspective at least); one-line errors name
    the file, row and field."""
    rows = []
    for path in files:
        try:
            reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
            missing = [c for c in PRESET_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise SourceError(f"{path}: no column {', '.join(missing)} (training presets use aisev's columns)")
            for n, row in enumerate(reader, start=2):  # spreadsheet rows: the header is row 1
                try:
                    code = schemas().viewpoint.code(row["ten_perspective"] or "")
                except UnknownValue as exc:
                    raise SourceError(f"{path}: row {n}, field ten_perspective: {exc}") from None
                text = (row["text"] or "").strip()
                if not text:
                    raise SourceError(f"{path}: row {n}, field text: empty")
                rows.append({"kind": "aisi-preset", "id": f"{path.parent.name}/{path.name}:{n}", "text": text,
                             "viewpoints": [code], "primary_viewpoint": code,
                             "gsn_goal": leaf_or_none(row["gsn_perspective"]), "label": None, "borderline": None})
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not UTF-8 (training presets are UTF-8 CSV)") from None
        except csv.Error as exc:
            raise SourceError(f"{path}: not a CSV file ({exc})") from None
    return pd.DataFrame(rows, columns=EXAMPLE_COLUMNS)


def goal_examples() -> pd.DataFrame:
    s = schemas()
    rows = []
    for goal in s.goal_tree.goals.values():
        code = s.viewpoint_of_goal(goal.id)
        rows.append({"kind": "goal", "id": goal.id, "text": goal.text, "viewpoints": [code],
                     "primary_viewpoint": code, "gsn_goal": goal.id if goal.leaf else None,
                     "label": None, "borderline": None})
    return pd.DataFrame(rows, columns=EXAMPLE_COLUMNS)


def training_examples(records: pd.DataFrame, preset_paths: list[Path]) -> pd.DataFrame:
    """Decided items, then presets, then goal texts, each in a fixed order: the same inputs give the
    same model."""
    parts = [decided_examples(records.sort_values("id", kind="stable")), preset_examples(preset_paths),
             goal_examples()]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)
