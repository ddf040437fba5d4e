"""The working table's contract (schemas/pipeline.yaml, curation/contract.py): one vocabulary for a record's
fate, the stages in the declared order, and a missing column named at a stage's entry."""

import pandas as pd
import pytest

from curation import pipeline
from curation.contract import Context, Fate, contract
from curation.dedup.exact import collapse_exact
from curation.errors import ReleaseError
from curation.ingest import ingest, load_sources
from curation.schema import schemas


def test_one_fate_vocabulary():
    assert [f.value for f in Fate] == list(schemas().pipeline["fates"])


def test_the_pipeline_runs_the_declared_stages_in_order():
    wired = [s.stage_name for s in (*pipeline.BEFORE_ANNOTATIONS, *pipeline.AFTER_ANNOTATIONS)]
    assert wired == [entry["name"] for entry in schemas().pipeline["stages"]]


def test_a_stage_names_the_column_it_misses():
    table = pd.DataFrame({"fate": ["released"], "text": ["同じ質問"]})
    with pytest.raises(ReleaseError, match=r"stage 'exact duplicates' \(entry\).*no column\(s\) match_form"):
        collapse_exact(table, Context())


def test_ingest_gives_every_column_the_first_stage_reads(fixture_raw):
    table, _ = ingest(load_sources(fixture_raw))
    assert set(contract("match forms")["reads"]) <= set(table.columns)
    assert set(table["fate"]) <= {f.value for f in Fate}


def test_each_stage_adds_what_the_next_ones_read(fixture_raw, tmp_path):
    """Run on real input, every stage's declared columns are there when a later stage reads them."""
    found = pipeline.candidates(fixture_raw, tmp_path / "out")
    table, _ = pipeline.run(found.table, found.context, pipeline.AFTER_ANNOTATIONS)
    declared = {c for entry in schemas().pipeline["stages"] for c in entry["adds"]}
    assert declared <= set(table.columns)
    assert set(table["fate"]) <= {f.value for f in Fate}
    assert table.loc[table["fate"] == Fate.RELEASED, "split"].notna().all()
    awaiting = table["fate"] == Fate.AWAITING  # not released yet: no split, but an id for annotators
    assert awaiting.any() and table.loc[awaiting, "split"].isna().all() and table.loc[awaiting, "id"].notna().all()
