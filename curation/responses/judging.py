"""Model responses judged by people in Label Studio, and the judged responses a release holds.

Tasks are blind: a task shows the prompt, what it asks of a careful model (its label or requirement, and
whether it is borderline) and the response, never the model; tasks are imported in the order of their
keys, a hash, so the models' responses are interleaved. Verdicts are decided like prompt labels
(annotate/decide.py: ground truth > adjudication > majority). A violating response can be harmful
instructions: its text is withheld from a release unless schemas/response.yaml `publish_violating_text`
says otherwise, and a response or comment holding blocking personal data is withheld too.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..annotate.controls import RESPONSES
from ..annotate.server import Server, earlier_votes, push_tasks
from ..errors import SourceError
from ..evals import split_rows
from ..release.configs import without_nan
from ..release.layout import verify_release
from ..report import StageReport
from ..schema import schemas
from ..tagging import screen
from .collect import read_stored
from .scores import publish_violating_text

VERDICT_FIELDS = RESPONSES.fields


def stored_responses(folder: Path | None) -> tuple[pd.DataFrame, list[Path]]:
    """Every response stored under folder/v<release>/<model>.jsonl (collect.store), and those files."""
    names = [f.name for f in schemas().response_fields]
    if folder is not None and not folder.is_dir():
        raise SourceError(f"{folder}: no such folder of stored responses (`curation responses collect` makes it)")
    files = sorted(p for p in folder.glob("v*/*.jsonl") if not p.name.endswith(".graders.jsonl")) if folder else []
    rows = []
    for path in files:
        for n, record in enumerate(read_stored(path), start=1):
            problems = schemas().field_problems(schemas().response_fields, record)
            if problems:
                raise SourceError(f"{path} line {n}: " + "; ".join(f"{f} {m}" for f, m in problems))
            rows.append({k: record.get(k) for k in names})
    frame = pd.DataFrame(rows, columns=names)
    if frame["key"].duplicated().any():
        raise SourceError(f"{folder}: a response key is stored twice: "
                          + ", ".join(frame.loc[frame["key"].duplicated(), "key"].head(5)))
    return frame.sort_values("key", kind="stable").reset_index(drop=True), files


def released_prompts(releases: Path, versions) -> dict[str, dict]:
    """prompt id -> its released row (default config), from each release the responses answered."""
    prompts = {}
    for version in sorted(set(versions)):
        folder = releases / f"v{version}"
        if not folder.is_dir():
            raise SourceError(f"{folder}: the release these responses answered is not here")
        manifest = verify_release(folder)
        for split in manifest["configs"]["default"]["files"]:
            prompts.update({row["id"]: row for row in split_rows(folder, manifest, split)})
    return prompts


def expected(prompt: dict) -> str:
    """What a prompt asks of a careful model, in the annotators' words (Japanese names of the codes)."""
    labels = {entry["code"]: entry["ja"] for entry in schemas().taxonomy["labels"]}
    parts = [f"回答可否: {labels[prompt['label']]}" if prompt.get("label") else "回答可否: 回答要件で判断"]
    if prompt.get("requirement"):
        parts.append(f"回答要件: {prompt['requirement']}")
    if prompt.get("borderline"):
        parts.append("ボーダーライン（危険に見えるが安全な依頼。断るのは過剰拒否）")
    return " / ".join(parts)


def response_tasks(responses: pd.DataFrame, prompts: dict[str, dict]) -> list[dict]:
    """A task per response, in key order (which interleaves the models); the model is not in the task."""
    tasks = []
    for r in responses.sort_values("key").to_dict("records"):
        prompt = prompts.get(r["prompt_id"])
        if prompt is None:
            raise SourceError(f"response {r['key']} ({r['model']}): its prompt {r['prompt_id']} is not in release "
                              f"v{r['release']}; stored responses answer the release they name")
        tasks.append({"data": {"id": r["key"], "prompt": prompt["text"], "expected": expected(prompt),
                               "response": r["response"] or "（応答なし）", "batch": f"v{r['release']}"}})
    return tasks


def push_responses(server: Server, responses: pd.DataFrame, releases: Path, on_batch=None) -> StageReport:
    """Import the responses not yet in the judging project."""
    prompts = released_prompts(releases, responses["release"])
    return push_tasks(server, RESPONSES.voting, responses.assign(id=responses["key"]),
                      lambda todo: response_tasks(todo, prompts), on_batch)


def push_response_adjudication(server: Server, responses: pd.DataFrame, releases: Path, queue: pd.DataFrame,
                               judgements: pd.DataFrame) -> StageReport:
    """Send the responses whose verdict the votes left open to the adjudication project, each vote shown."""
    prompts = released_prompts(releases, responses["release"])
    shown = earlier_votes(queue, judgements, RESPONSES)
    todo = responses[responses["key"].isin(queue["id"])].assign(id=lambda f: f["key"])

    def tasks(rows: pd.DataFrame) -> list[dict]:
        return [{**t, "predictions": shown(t["data"])} for t in response_tasks(rows, prompts)]

    return push_tasks(server, RESPONSES.adjudication, todo, tasks)


def judged_rows(responses: pd.DataFrame, decisions: pd.DataFrame, records: pd.DataFrame, reviews: dict,
                queue: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], StageReport]:
    """The `responses` config's rows: every stored response to a prompt this release holds whose verdict is
    decided, in its prompt's split; (rows, personal-data hits, accounting lines, report). Every stored response
    is in one place: released, awaiting judgement (or adjudication: in `queue`), or answering a prompt this
    release does not hold."""
    report = StageReport("responses")
    split_of = dict(zip(records["id"], records["split"]))
    answered = responses["prompt_id"].isin(split_of)
    decided = decisions.set_index("id") if len(decisions) else pd.DataFrame(columns=[*VERDICT_FIELDS, "label_source"])
    judged = answered & responses["key"].isin(decided.index)
    rows = responses[judged].copy()
    for name in (*VERDICT_FIELDS, "label_source"):
        rows[name] = [decided.at[key, name] for key in rows["key"]]
    rows["split"] = rows["prompt_id"].map(split_of)  # as stored, unless the prompt's split was re-decided
    rows["withheld"] = None
    violating = rows["verdict"] == "violating"
    if not publish_violating_text():
        rows.loc[violating, "withheld"] = "violating"
    hits, screen_report = screen(rows.assign(id=rows["key"], fictional=False), None, reviews,
                                 fields=[f.name for f in schemas().response_fields if f.screened])
    blocked = set(hits.loc[hits["blocking"] & hits["acknowledged"].isna(), "id"])
    rows.loc[rows["key"].isin(blocked) & rows["withheld"].isna(), "withheld"] = "personal data"
    withheld = rows["withheld"].notna()
    rows.loc[withheld, "response"] = None
    rows.loc[rows["key"].isin(blocked), "comment_en"] = None
    fate = pd.Series("awaiting judgement", index=responses.index).where(answered, "prompt not in this release")
    if queue is not None and len(queue):
        fate[answered & responses["key"].isin(queue["id"])] = "awaiting adjudication"
    fate[judged] = "released"
    counted = fate.value_counts()
    report.counts = {"stored responses": len(responses),
                     **{f: int(counted.get(f, 0)) for f in ("released", "awaiting judgement", "awaiting adjudication",
                                                            "prompt not in this release")},
                     "texts withheld: violating": int((rows["withheld"] == "violating").sum()),
                     "texts withheld: personal data": int((rows["withheld"] == "personal data").sum())}
    report.problems += screen_report.problems
    report.notes += screen_report.notes
    stray = sorted(set(decided.index) - set(responses["key"]))
    if stray:  # judged in Label Studio, but no longer stored (or stored elsewhere): nothing to release
        report.problems.append(f"{len(stray)} judgement(s) of no stored response: {', '.join(stray[:5])}")
    lines = [{"key": k, "prompt_id": p, "model": m, "fate": f}
             for k, p, m, f in zip(responses["key"], responses["prompt_id"], responses["model"], fate)]
    names = [f.name for f in schemas().response_fields]
    return without_nan(rows[names].sort_values("key", kind="stable").reset_index(drop=True)), hits, lines, report
