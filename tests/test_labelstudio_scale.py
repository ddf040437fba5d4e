"""Push, status and pull at a few thousand tasks against a REAL Label Studio server, started from its own
virtual environment on 127.0.0.1 with a throwaway data directory (tests/labelstudio_server.py, the
`label_studio` fixture): listing pages through the project (a small page size here, so that many page
boundaries are crossed), batches grow, a rerun imports nothing, and the export is stored byte for byte.
benchmarks/bench_labelstudio.py measures the same steps at 100k tasks."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest

import curation.annotate.server as ls
from curation.annotate.controls import result_items
from curation.annotate.settings import config
from curation.schema import schemas

N = 2500
PAGE = 300  # not a divisor of N: the last page is a short one


def items(n: int) -> pd.DataFrame:
    return pd.DataFrame([{"id": f"jt-scale-{i:05d}", "text": f"質問その{i}：薬の飲み合わせを教えて",
                          "source": f"batch-{i % 3}", "origin": "crowd", "suggestions": ""} for i in range(n)])


def tasks(todo: pd.DataFrame) -> list[dict]:
    labels = [{"model_version": ls.SOURCE_MODEL_VERSION, "result": result_items(
        {"label": "safe", "primary_viewpoint": "high_risk_use", "viewpoints": ["high_risk_use"]})}]
    return [ls.task(r, labels) for r in todo.to_dict("records")]


def expected_batches(n: int) -> list[int]:
    """`done` after each import request: batches start at push_first_batch and grow with what went through."""
    size, first = int(config()["push_batch_size"]), int(config()["push_first_batch"])
    done, marks = 0, []
    while done < n:
        done += min(size, max(first, done), n - done)
        marks.append(done)
    return marks


@pytest.mark.integration
def test_a_few_thousand_tasks_are_listed_page_by_page_pushed_once_counted_and_pulled(label_studio, tmp_path,
                                                                                      monkeypatch, capsys):
    monkeypatch.setitem(schemas().tuning["label_studio"], "list_page_size", PAGE)
    records = items(N)
    marks = []
    report = ls.push_tasks(ls.Server(), "annotation", records, tasks, on_batch=lambda done, total: marks.append(done))
    assert report.counts == {"tasks offered": N, "already in the project": 0, "imported": N, "tasks in the project": N}
    assert marks == expected_batches(N) and marks[:2] == [50, 100]  # the server dying here resumes the same way
    assert "push annotation" in capsys.readouterr().err

    server = ls.Server()
    project = server.project("annotation")
    pages = list(server.pages(project.id, desc="listing"))
    assert [len(p) for p in pages] == [PAGE] * (N // PAGE) + [N % PAGE]
    listed = [t.data["id"] for p in pages for t in p]
    assert listed == sorted(records["id"])  # every id once, in import order, across every page boundary
    assert [t.id for p in pages for t in p] == sorted(t.id for p in pages for t in p)
    assert set(pages[0][0].model_dump(exclude_none=True)) == set(ls.TASK_FIELDS)  # only what push and status read
    progress = capsys.readouterr().err
    assert "listing" in progress and f"{N}/{N}" in progress

    again = ls.push_tasks(ls.Server(), "annotation", records, tasks)
    assert again.counts == {"tasks offered": N, "already in the project": N, "imported": 0, "tasks in the project": N}
    assert f"{N}/{N}" in capsys.readouterr().err  # the rerun's listing shows its progress too

    listed = ls.status(ls.Server())  # every project is listed; only the annotation project has tasks
    frame = listed[listed["project"] == "annotation"].set_index("batch")
    assert frame["tasks"].to_dict() == records.groupby("source").size().to_dict()
    assert (frame["outstanding"] == frame["tasks"]).all()
    assert "status annotation" in capsys.readouterr().err

    full = server.tasks(project.id)  # every field: what callers reading predictions get
    assert len(full) == N and full[-1].predictions[0].model_version == ls.SOURCE_MODEL_VERSION

    stored, pulled = ls.pull(ls.Server(), tmp_path / "exports")
    assert [p.parent.name for p in stored] == ["annotation"] and pulled.counts["tasks (annotation)"] == N
    assert not list((tmp_path / "exports").rglob("*.partial"))
    export = json.loads(stored[0].read_bytes())
    assert sorted(t["data"]["id"] for t in export) == sorted(records["id"])
    latest = max(server.client.projects.exports.list(id=project.id), key=lambda e: e.id)
    sent = b"".join(server.client.projects.exports.download(id=project.id, export_pk=latest.id, export_type="JSON"))
    assert stored[0].read_bytes() == sent  # byte for byte what the server sent
    progress = capsys.readouterr().err
    assert "Label Studio builds the export of 2,500 tasks" in progress and "pull annotation: download" in progress


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_export_items_are_read_one_at_a_time_across_any_chunk_boundary(tmp_path, chunk):
    rng = random.Random(chunk)
    values = [{"id": i, "data": {"text": "改行\nと\"引用\"と\\と]と,", "n": rng.random() * 10 ** rng.randint(-5, 5)},
               "annotations": [{"result": [i] * (i % 4)}]} for i in range(40)]
    values += [12345678901234567890, -0.5e-7, "文字列", [], {}, None, True]  # what a cut could mistake
    texts = (json.dumps(values, ensure_ascii=False), json.dumps(values, ensure_ascii=False, indent=2), "[]", " [ ] ")
    for text in texts:
        path = tmp_path / "export.json"
        path.write_text(text, encoding="utf-8")
        assert list(ls.json_items(path, chunk)) == json.loads(text)
    for broken in ("", "{}", "[1, 2", "[1, {\"a\": 2]", "[1 2]", "[-0.5e]"):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(ValueError):
            list(ls.json_items(path, chunk))
