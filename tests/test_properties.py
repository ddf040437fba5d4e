"""Property tests (hypothesis): CSV and JSONL files with random quoting, encodings, control characters and
line endings, each run through the whole release. Whatever the input: no traceback, every record the
generator wrote is in the accounting exactly once (counted by the generator, not by the reader), and no
released field holds another record's text.

`make test` runs a fixed, small set (derandomized); `make fuzz` runs many more (PROPERTY_EXAMPLES).

One limit is stated, not hidden: a stray quote right before a record whose own quoted cell spans lines
cannot be told from a quoted cell by any reader (the lines are the same), so stray quotes are generated
before records that fit on one line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import yaml
from conftest import CROWD_HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.errors import SourceError
from curation.pipeline import AFTER_ANNOTATIONS, candidates, run
from curation.release import account

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Text a contributor might type: Japanese (CP932-safe), ASCII, the CSV specials, line breaks, controls.
ALPHABET = list("あいうえおかきくけこ漢字質問爆弾安全ｶﾀｶﾅＡＢＣabc123 、。？") + [",", '"', "\n", "\r\n", "\t", "\x00",
                                                                        "\x07", "\u3000", "\u200b"]
text = st.lists(st.sampled_from(ALPHABET), min_size=0, max_size=25).map("".join)
record = st.fixed_dictionaries({
    "prompt": text, "comment": text,
    "viewpoint": st.sampled_from(["有害情報の出力制御", "セキュリティ確保", ""]),
    "label": st.sampled_from(["回答すべき", "回答すべきでない", "", "たぶん"]),
    "stray_quote": st.booleans(), "quote_all": st.booleans(),
})


def marker(i: int) -> str:
    return f"《記録{i}》"  # in every record's prompt: tells whose text a released field holds


def csv_file(records: list[dict], ending: str) -> str:
    """Each record one CSV record, quoted as a writer would (minimal or all), or with a stray quote
    opening its comment cell (a broken record, which must not swallow the next)."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator=ending).writerow(CROWD_HEADER)
    for i, rec in enumerate(records):
        cells = [f"P-{i}", f"W{i % 3}", "", marker(i) + rec["prompt"], rec["viewpoint"], "", rec["label"],
                 "", "", "", "", "", "", rec["comment"], ""]
        if rec["stray_quote"]:
            plain = [c.replace('"', "").replace("\r", "").replace("\n", " ").replace(",", "、") for c in cells]
            out.write(",".join(plain[:13]) + ',"' + plain[13] + "," + ending)
        else:
            csv.writer(out, lineterminator=ending,
                       quoting=csv.QUOTE_ALL if rec["quote_all"] else csv.QUOTE_MINIMAL).writerow(cells)
    return out.getvalue()


LABELS = {"回答すべき": "safe", "回答すべきでない": "unsafe"}


def jsonl_file(records: list[dict], ending: str) -> str:
    lines = []
    for i, rec in enumerate(records):
        line = json.dumps({"id": f"P-{i}", "author": f"W{i % 3}", "text": marker(i) + rec["prompt"],
                           "viewpoints": [rec["viewpoint"]] if rec["viewpoint"] else [],
                           "label": LABELS.get(rec["label"], rec["label"]),
                           "comment_en": rec["comment"]}, ensure_ascii=rec["quote_all"])
        lines.append(line[: len(line) // 2] if rec["stray_quote"] else line)  # a cut line: not valid JSON
    return "".join(line + ending for line in lines)


def fits_the_limit(records: list[dict]) -> list[dict]:
    """A stray quote only before a record that fits on one line (see the module's docstring)."""
    one_line = [not any(c in rec["prompt"] + rec["comment"] for c in ('"', "\n", "\r")) for rec in records]
    return [{**rec, "stray_quote": rec["stray_quote"] and (i + 1 == len(records) or one_line[i + 1])}
            for i, rec in enumerate(records)]


def released_and_accounted(kind: str, data: bytes, n: int) -> None:
    """Every stage up to the accounting (the release's own walk, without tagging and writing, which read
    only what is released)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        name = f"input.{kind}"
        (raw / name).write_bytes(data)
        (raw / "key").write_text("property-test-key-0001")
        (raw / "sources.yaml").write_text(yaml.safe_dump({"pseudonym_key_file": "key", "sources": [
            {"name": "in", "path": name, "format": "crowd-csv" if kind == "csv" else "expert-jsonl",
             "origin": "crowd", "license": "CC-BY-4.0"}]}, allow_unicode=True), encoding="utf-8")
        try:
            found = candidates(raw, Path(tmp) / "out")
        except SourceError as exc:  # a whole-file stop is allowed (a header made unreadable), a crash is not
            assert "neither UTF-8 nor CP932" in str(exc) or "no column for" in str(exc), str(exc)
            return
        table, _ = run(found.table, found.context, AFTER_ANNOTATIONS)
        lines, _ = account(table)
        assert len(lines) == n and len({x["input"] for x in lines}) == n
        for row in table[table["fate"] == "released"].to_dict("records"):
            own = row["text"].split("》")[0] + "》"
            for field in ("text", "comment_en", "source_labels"):
                value = row[field] if isinstance(row[field], str) else ""
                others = [marker(i) for i in range(n) if marker(i) != own and marker(i) in value]
                assert not others, (field, others)


@SETTINGS
@given(st.lists(record, min_size=1, max_size=8), st.sampled_from(["\r\n", "\n"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
def test_any_csv_is_read_record_for_record(records, ending, encoding):
    records = fits_the_limit(records)
    text = csv_file(records, ending)
    data = text.encode(encoding, errors="replace" if encoding == "cp932" else "strict")
    released_and_accounted("csv", data, len(records))


@SETTINGS
@given(st.lists(record, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_any_jsonl_is_read_line_for_line(records, ending):
    released_and_accounted("jsonl", jsonl_file(records, ending).encode("utf-8"), len(records))
