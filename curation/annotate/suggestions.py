"""The suggestion model in Label Studio: each task's pre-annotation carries the model's `score` (its
probability for the primary viewpoint) and `model_version`; what the source left open (viewpoints, the
primary viewpoint, the goal) is prefilled from the model when it is confident, and the hint line says why.
With `--order uncertainty` the project serves the least confident task first (Label Studio's uncertainty
sampling, which orders the tasks holding predictions of the project's model version by score), and
`rescore` gives open tasks the predictions of a newer model."""

from __future__ import annotations

import sys

import pandas as pd

from ..report import StageReport
from ..schema import schemas
from ..suggest import Scorer
from .controls import result_items

UNCERTAINTY_SAMPLING = "Uncertainty sampling"  # Label Studio's name (projects.models.Project.UNCERTAINTY)


def with_suggestions(records: pd.DataFrame, scorer: Scorer | None) -> pd.DataFrame:
    """The records with the suggestions: a hint line for annotators; the detected regions, and the model's
    viewpoints and goal where the source named none (a goal only under the item's own viewpoints); and
    `suggestion_score`. The source's own labels are never replaced."""
    from ..tagging import describe, tag

    tags, _ = tag(records, "text", "label", scorer)
    why = scorer.why(records["text"].tolist()) if scorer is not None else [None] * len(records)
    records = records.assign(suggestions=[describe(t, w) for t, w in zip(tags.to_dict("records"), why)],
                             suggestion_score=tags["suggestion_score"] if scorer is not None else None)
    unset = records["regions"].map(len) == 0
    records.loc[unset, "regions"] = tags.loc[unset, "regions"]
    if scorer is not None:
        open_viewpoint = records["primary_viewpoint"].isna() & tags["suggested_viewpoints"].map(len).gt(0)
        records.loc[open_viewpoint, "viewpoints"] = tags.loc[open_viewpoint, "suggested_viewpoints"]
        records.loc[open_viewpoint, "primary_viewpoint"] = tags.loc[open_viewpoint, "suggested_viewpoints"].str[0]
    fits = [isinstance(goal, str) and isinstance(viewpoints, list) and schemas().goal_fits(goal, viewpoints)
            for goal, viewpoints in zip(tags["suggested_goal"], records["viewpoints"])]
    suggest = records["gsn_goal"].isna() & pd.Series(fits, index=records.index)
    records.loc[suggest, "gsn_goal"] = tags.loc[suggest, "suggested_goal"]
    return records


def predictions(version: str):
    """A record's pre-annotation: its (prefilled) judgement, the model's score and version."""
    def of(record: dict) -> list[dict]:
        score = record.get("suggestion_score")
        return [{"model_version": version, "result": result_items(record),
                 **({"score": float(score)} if score is not None else {})}]
    return of


def in_uncertainty_order(records: pd.DataFrame) -> pd.DataFrame:
    """Least confident first (ties by id): the order tasks are imported and served in."""
    return records.sort_values(["suggestion_score", "id"], kind="stable", na_position="first")


def serve_least_confident(server, kind: str, version: str) -> None:
    """The project serves tasks by the score of this model version's predictions, lowest first."""
    project = server.project(kind, push=True)
    with server.errors():
        server.client.projects.update(id=project.id, sampling=UNCERTAINTY_SAMPLING, model_version=version)


def rescore(server, records: pd.DataFrame, scorer: Scorer, kind: str = "annotation") -> StageReport:
    """Predictions of `scorer`'s model for the project's open tasks (no annotation yet, skipped ones aside),
    and the project switched to that model version."""
    from tqdm import tqdm

    from ..release.configs import without_nan

    report = StageReport(f"rescore ({kind})")
    project = server.project(kind)
    if project is None:
        report.notes.append(f"no {kind} project on the server: nothing to rescore")
        return report
    open_tasks = {t.data.get("id"): t.id for page in server.pages(project.id, desc=f"rescore {kind}: tasks")
                  for t in page if not (t.total_annotations or 0) - (t.cancelled_annotations or 0)}
    todo = records[records["id"].isin(open_tasks)]
    version = scorer.model.version
    prediction = predictions(version)
    scored = without_nan(with_suggestions(todo, scorer)).to_dict("records")
    for record in tqdm(scored, desc=f"rescore {kind}", unit="task", file=sys.stderr, disable=not scored):
        with server.errors():  # the client's timeouts (server.py) bound every request
            server.client.predictions.create(task=open_tasks[record["id"]], **prediction(record)[0])
    serve_least_confident(server, kind, version)
    report.counts = {"open tasks": len(open_tasks), "rescored": len(todo),
                     "open tasks of items no longer among the records": len(open_tasks) - len(todo)}
    report.notes.append(f"the project now serves the least confident task first by model {version}")
    return report
