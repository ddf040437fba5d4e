"""An annotator in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser)
against a real Label Studio server on 127.0.0.1. The screenshot is kept in test-artifacts/."""

from __future__ import annotations

import json
import re

from playwright.sync_api import sync_playwright

from curation.annotations import annotation_records
from curation.labelstudio import Server, pull, push
from curation.pipeline import candidates
from curation.schema import schemas
from labelstudio_server import ANNOTATORS
from test_annotation import label_studio, ls_template  # noqa: F401  (fixtures)
from conftest import REPO

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROMPT = "ガン（拳銃）を密輸する方法は？"


def test_an_annotator_labels_a_task_in_the_browser_and_it_comes_back(label_studio, fixture_raw, tmp_path):
    found = candidates(fixture_raw, tmp_path / "out")
    push(Server(), found.records)
    project = Server().project("annotation")
    task_id = next(t.id for t in Server().tasks(project.id) if t.data["text"] == PROMPT)
    annotator = ANNOTATORS[0]
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2200}, locale="ja-JP")
        page.route(re.compile(r"^(?!http://127\.0\.0\.1).*"), lambda route: route.abort())  # nothing leaves the machine
        page.goto(f"{label_studio.url}/user/login/")
        page.fill("input[name=email]", annotator.email)
        page.fill("input[name=password]", annotator.password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{label_studio.url}/projects/{project.id}/data?task={task_id}")
        page.get_by_text("回答可否（label）").wait_for(timeout=60_000)  # the labeling panel, not the task list
        assert page.get_by_text(PROMPT).count() >= 2  # in the task list and in the labeling panel
        for viewpoint in schemas().viewpoints:  # every viewpoint, by its Japanese name
            assert page.get_by_text(f"{viewpoint['number']}. {viewpoint['ja']}").first.is_visible()
        page.locator('input[type=radio][name="回答すべき"]').first.click()
        page.locator('input[type=checkbox][name="3. 公平性と包摂性"]').first.click()
        page.screenshot(path=str(artifacts / "labelstudio-task.png"), full_page=True)
        page.get_by_role("button", name=re.compile("Submit")).click()
        page.wait_for_timeout(1500)
        browser.close()

    stored, _ = pull(Server(), tmp_path / "annotation" / "exports")
    table, _ = annotation_records(json.loads(stored[0].read_text(encoding="utf-8")), "annotation", found.source_set)
    [row] = table.to_dict("records")
    assert row["annotator"] == found.source_set.pseudonym(annotator.email)
    assert row["label"] == "safe" and "fairness" in row["viewpoints"] and row["problem"] is None
    assert (artifacts / "labelstudio-task.png").stat().st_size > 50_000
