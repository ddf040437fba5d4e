"""AISI's preset prompts shipped as training input (data/raw/training/aisi-presets/): what their README says of
them holds, and no release reads them."""

import csv
import re
from collections import Counter

import yaml
from conftest import SHIPPED_RAW

from curation.schema import schemas

PRESETS = SHIPPED_RAW / "training" / "aisi-presets"


def test_the_readme_counts_are_the_files_counts():
    goals = schemas().goal_tree.goals
    table = {}
    for path in sorted(PRESETS.glob("*.csv")):
        rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
        viewpoint = int(path.name[:2])
        assert all(goals[r["gsn_perspective"]].viewpoint == viewpoint for r in rows), path.name
        leaves = Counter(r["gsn_perspective"] for r in rows if goals[r["gsn_perspective"]].leaf)
        table[path.name] = (len(rows), sum(leaves.values()), len(leaves))
    readme = (PRESETS / "README.md").read_text(encoding="utf-8")
    written = {m[0]: tuple(int(n) for n in m[1:]) for m in
               re.findall(r"^\| (\S+\.csv) \| [^|]+ \| (\d+) \| (\d+) \| (\d+) \|$", readme, re.MULTILINE)}
    assert written == table
    totals = re.search(r"\*\*total\*\* \| [^|]+ \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\*", readme).groups()
    assert tuple(int(n) for n in totals) == tuple(sum(c) for c in zip(*table.values())) == (258, 258, 86)


def test_no_release_reads_them_and_their_license_comes_with_them():
    sources = yaml.safe_load((SHIPPED_RAW / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert not [s["path"] for s in sources if s["path"].startswith("training/")]
    license_text = (PRESETS / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Copyright 2025 Japan AI Safety Institute" in license_text
