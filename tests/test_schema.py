"""schemas/ is the single source of truth; these tests hold it to the AISI reference and check what is
derived from it (vocabularies, Arrow schema, validation rules)."""

import re
from pathlib import Path

import pyarrow as pa
import pytest

from curation.schema import UnknownValue, schemas

REFERENCE = Path(__file__).resolve().parent / "reference"  # copied from shared/reference: see its README.md


def test_ten_viewpoints_match_the_aisi_reference_exactly():
    text = (REFERENCE / "viewpoints.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \| ([^|]+?) \|", text, flags=re.M)
    assert len(rows) == 10
    ours = [(str(v["number"]), v["ja"], v["en"]) for v in schemas().viewpoints]
    assert ours == [(n, ja.strip(), en.strip()) for n, ja, en in rows]


def test_goal_ids_match_the_reference():
    text = (REFERENCE / "viewpoints.md").read_text(encoding="utf-8")
    for viewpoint in schemas().viewpoints:
        line = re.search(rf"^- G{viewpoint['number']}: (.+)$", text, flags=re.M).group(1)
        listed = dict(re.findall(r"-(\d+) ([^/]+?)(?= /|$)", line))
        assert {f"G{viewpoint['number']}-{n}": name.strip() for n, name in listed.items()} == viewpoint["goals"]


def test_arrow_schema_is_derived_from_record_yaml():
    s = schemas()
    assert s.arrow_schema.names == [f["name"] for f in s.record_doc["fields"]]
    assert s.arrow_schema.field("viewpoints").type == pa.list_(pa.string())
    assert s.arrow_schema.field("borderline").type == pa.bool_()
    assert not s.arrow_schema.field("id").nullable and s.arrow_schema.field("gsn_goal").nullable
    for required in ("id", "text", "viewpoints", "primary_viewpoint", "label", "borderline", "origin", "source",
                     "license", "added_in"):
        assert required in s.arrow_schema.names


def test_aisev_columns_are_the_ones_aisev_reads():
    # no partly filled `output` column: aisev would drop every row without one
    assert schemas().aisev_columns == ["ID", "text", "ten_perspective", "scorer", "requirement", "gsn_perspective"]


@pytest.mark.parametrize("spelled", ["有害情報の出力制御", "Control of Toxic Output", "toxic_output", "1", "１",
                                     " control of toxic output "])
def test_viewpoint_accepts_japanese_english_code_and_number(spelled):
    assert schemas().viewpoint.code(spelled) == "toxic_output"


def test_unknown_vocabulary_value_names_the_choices():
    with pytest.raises(UnknownValue, match="not a known region"):
        schemas().region.code("アトランティス")


def test_regions_cover_all_47_prefectures_with_iso_codes():
    prefectures = schemas().regions_doc["prefectures"]
    assert [p["code"] for p in prefectures] == [f"JP-{i:02d}" for i in range(1, 48)]
    assert schemas().region.code("沖縄") == "JP-47" and schemas().region.code("Hokkaido") == "JP-01"


def valid_record(**changes):
    record = {"text": "質問", "viewpoints": ["toxic_output"], "primary_viewpoint": "toxic_output", "label": "safe",
              "borderline": False, "fictional": False, "regions": [], "origin": "crowd", "source": "s",
              "license": "CC-BY-4.0", "label_source": "source"}
    return {**record, **changes}


@pytest.mark.parametrize("changes, field", [
    ({"primary_viewpoint": "privacy"}, "primary_viewpoint"),
    ({"gsn_goal": "G5-2"}, "gsn_goal"),
    ({"borderline": True, "label": "unsafe"}, "label"),
    ({"borderline_type": "homonyms"}, "borderline_type"),
    ({"gsn_goal": "G11-2"}, "gsn_goal"),
    ({"viewpoints": []}, "viewpoints"),
    ({"label": "maybe"}, "label"),
])
def test_validation_names_the_failing_field(changes, field):
    problems = schemas().validate(valid_record(**changes), skip=("id", "added_in"))
    assert [f for f, _ in problems] == [field]


def test_a_valid_record_passes():
    assert schemas().validate(valid_record(gsn_goal="G1-32"), skip=("id", "added_in")) == []
