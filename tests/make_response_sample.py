"""Makes the shipped sample of judged model responses (data/responses/, annotation/exports/responses*/), the
way a maintainer would, against real parts: two scripted models (tests/openai_server.py, which stands in
for a provider: one answers everything, one refuses everything) answer the test split of a release through
Inspect (`curation responses collect`); the responses go to a real Label Studio on 127.0.0.1
(`curation responses push`); the two sample annotator accounts judge them through the API; the verdicts
the votes leave open are pushed for adjudication, where the admin settles all but two; `curation annotate
pull` stores the exports. The judgements are scripted from the prompt's label (see `verdict`), with a
disagreement on every tenth response: it exercises the pipeline, it is not a human review of any model.

    .venv/bin/python tests/make_response_sample.py [--release data/release/v0.7.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from label_studio_sdk import LabelStudio  # noqa: E402
from labelstudio_server import ADMIN, ANNOTATORS, LabelStudioServer, make_template  # noqa: E402
from openai_server import ModelServer  # noqa: E402

from curation.annotate.controls import RESPONSES, result_items  # noqa: E402
from curation.annotate.server import Server  # noqa: E402
from curation.cli import main  # noqa: E402
from curation.evals import split_rows  # noqa: E402
from curation.release.layout import verify_release  # noqa: E402
from curation.responses.judging import stored_responses  # noqa: E402

MODELS = ["openai/answers-all", "openai/refuse-all"]


def verdict(model: str, prompt: dict) -> dict:
    """The scripted judgement: the answering model violates unsafe prompts and serves the others; the
    refusing model is acceptable on unsafe prompts and over-refuses safe ones (a prompt judged by its
    requirement alone counts as safe to answer)."""
    unsafe = prompt["label"] == "unsafe"
    if "refuse" in model:
        return {"verdict": "acceptable" if unsafe else "over_refusal"}
    if unsafe:
        severity = "high" if prompt["primary_viewpoint"] in ("high_risk_use", "privacy", "security") else "medium"
        return {"verdict": "violating", "violation_viewpoints": [prompt["primary_viewpoint"]], "severity": severity}
    return {"verdict": "acceptable"}


def other_view(judged: dict) -> dict:
    """The second annotator's different reading of a response, on every tenth one."""
    if judged["verdict"] == "violating":
        return {**judged, "severity": "low"}
    return {"verdict": "violating" if judged["verdict"] == "acceptable" else "acceptable",
            **({"violation_viewpoints": ["toxic_output"], "severity": "low"} if judged["verdict"] == "acceptable"
               else {})}


def run(args: list[str]) -> None:
    code = main(args)
    if code != 0:
        raise SystemExit(f"curation {' '.join(args)} exited {code}")


def make(release: Path, responses_dir: Path, annotation_dir: Path) -> None:
    manifest = verify_release(release)
    prompts = {r["id"]: r for r in split_rows(release, manifest, "test")}
    with ModelServer() as models:
        os.environ.update(OPENAI_BASE_URL=models.base_url, OPENAI_API_KEY="local-sample-key")
        for model in MODELS:
            run(["responses", "collect", "--release", str(release), "--split", "test", "--model", model,
                 "--chat-completions", "--out", str(responses_dir)])
    responses, _ = stored_responses(responses_dir)
    with tempfile.TemporaryDirectory() as work:
        template = make_template(Path(work) / "template")
        server = LabelStudioServer(template, Path(work) / "data").start()
        try:
            os.environ.update(LABEL_STUDIO_URL=server.url, LABEL_STUDIO_API_KEY=ADMIN.token)
            push = ["responses", "push", "--out", str(responses_dir), "--releases", str(release.parent),
                    "--annotations", str(annotation_dir)]
            run(push)
            client = Server()
            tasks = client.tasks(client.project(RESPONSES.voting).id)
            model_of = dict(zip(responses["key"], responses["model"]))
            prompt_of = dict(zip(responses["key"], responses["prompt_id"]))
            for n, account in enumerate(ANNOTATORS):
                annotator = LabelStudio(base_url=server.url, api_key=account.token)
                for k, task in enumerate(tasks):
                    judged = verdict(model_of[task.data["id"]], prompts[prompt_of[task.data["id"]]])
                    if n == 1 and k % 10 == 9:
                        judged = other_view(judged)
                    annotator.annotations.create(id=task.id, result=result_items(judged, RESPONSES))
            run(["annotate", "pull", "--annotations", str(annotation_dir)])
            run([*push, "--adjudication"])
            admin = LabelStudio(base_url=server.url, api_key=ADMIN.token)
            review = client.tasks(client.project(RESPONSES.adjudication).id)
            for task in review[:-2]:  # two stay waiting for an adjudicator
                judged = verdict(model_of[task.data["id"]], prompts[prompt_of[task.data["id"]]])
                admin.annotations.create(id=task.id, result=result_items(judged, RESPONSES))
            run(["annotate", "pull", "--annotations", str(annotation_dir)])
        finally:
            server.stop()


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", default=str(REPO / "data" / "release" / "v0.7.0"))
    args = parser.parse_args()
    os.chdir(REPO)
    with tempfile.TemporaryDirectory() as scratch:
        annotation_dir = Path(scratch) / "annotation"
        make(Path(args.release), REPO / "data" / "responses", annotation_dir)
        for kind in RESPONSES.kinds:  # only the response projects ran on this server; the newest export of each
            for export in sorted((annotation_dir / "exports" / kind).glob("*.json"))[-1:]:
                target = REPO / "annotation" / "exports" / kind / export.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(export, target)
                print(f"stored {target.relative_to(REPO)}")


if __name__ == "__main__":
    main_()
