"""Talking to a Label Studio server: push tasks (with pre-annotations), pull export snapshots, status.

Connection from LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY. The key never appears in output or errors:
every failure is re-raised as LabelStudioError with the key and the server's headers left out.
Push is idempotent and resumable: tasks carry the record id, and ids already in the project are skipped,
so a rerun after any failure imports exactly what is missing.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pandas as pd

from ..errors import LabelStudioError
from ..release.configs import without_nan
from ..report import StageReport
from ..schema import schemas
from .controls import PROMPTS, result_items, subject_of
from .interface import labeling_config
from .settings import config

URL_ENV, KEY_ENV = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
SOURCE_MODEL_VERSION = "source-labels"
EARLIER_MODEL_VERSION = "earlier-annotations"



def settings() -> tuple[str, str]:
    url, key = os.environ.get(URL_ENV), os.environ.get(KEY_ENV)
    if not url or not key:
        raise LabelStudioError(f"set {URL_ENV} and {KEY_ENV} to reach Label Studio")
    return url.rstrip("/"), key


@contextmanager
def server_errors(key: str) -> Iterator[None]:
    """Any failure below becomes a LabelStudioError that names what went wrong, never the key."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except LabelStudioError:
        raise
    except ApiError as exc:
        detail = exc.body if isinstance(exc.body, (str, dict, list)) else type(exc.body).__name__
        raise LabelStudioError(f"Label Studio answered {exc.status_code}: {str(detail).replace(key, '***')}") from None
    except (httpx.HTTPError, OSError) as exc:  # refused, reset, timed out
        raise LabelStudioError(f"cannot talk to Label Studio ({type(exc).__name__}: "
                               f"{str(exc).replace(key, '***')[:300]})") from None


class Server:
    def __init__(self, url: str | None = None, key: str | None = None):
        from label_studio_sdk import LabelStudio

        env_url, env_key = (url, key) if url and key else settings()
        self.key = env_key
        self.client = LabelStudio(base_url=env_url, api_key=env_key, timeout=60)

    def errors(self):
        return server_errors(self.key)

    def project(self, kind: str, push: bool = False):
        """The project of this kind (annotation/config.yaml `projects`), or None. Only a push creates it or
        brings its labeling config and overlap up to date; reading never changes the server."""
        title = config()["projects"][kind]
        subject = subject_of(kind)
        interface = labeling_config(subject)
        # Every task is served to as many annotators as a decision needs (Label Studio's default is one).
        overlap = int(config()["resolution"]["min_annotations"]) if kind == subject.voting else 1
        with self.errors():
            found = [p for p in self.client.projects.list() if p.title == title]
            if not push:
                return found[0] if found else None
            if not found:
                return self.client.projects.create(title=title, label_config=interface,
                                                   maximum_annotations=overlap, show_overlap_first=True,
                                                   description="Generated from schemas/ by curation")
            project = found[0]
            if project.label_config != interface or project.maximum_annotations != overlap:
                # Label Studio refuses a config that drops choices existing annotations use: that error
                # names them, and pull still works on the old config.
                self.client.projects.update(id=project.id, label_config=interface, maximum_annotations=overlap)
            return project

    def tasks(self, project_id: int) -> list:
        with self.errors():
            return list(self.client.tasks.list(project=project_id, fields="all"))


def task(record: dict, predictions: list[dict]) -> dict:
    return {"data": {"id": record["id"], "text": record["text"], "batch": record["source"],
                     "origin": record["origin"], "suggestions": record["suggestions"]}, "predictions": predictions}


def with_suggestions(records: pd.DataFrame) -> pd.DataFrame:
    """The records with the tagger's suggestions: shown to annotators as a hint line, and the detected
    regions and the suggested goal prefilled where the source named none. The source's own labels are never
    replaced."""
    from ..tagging import describe, tag

    tags, _ = tag(records, "text", "label")
    records = records.assign(suggestions=[describe(t) for t in tags.to_dict("records")])
    unset = records["regions"].map(len) == 0
    records.loc[unset, "regions"] = tags.loc[unset, "regions"]
    fits = [isinstance(goal, str) and schemas().goal_fits(goal, viewpoints)
            for goal, viewpoints in zip(tags["suggested_goal"], records["viewpoints"])]
    suggest = records["gsn_goal"].isna() & pd.Series(fits, index=records.index)  # only under its own viewpoints
    records.loc[suggest, "gsn_goal"] = tags.loc[suggest, "suggested_goal"]
    return records


def push(server: Server, records: pd.DataFrame, kind: str = "annotation", predictions=None,
         on_batch: Callable[[int, int], None] | None = None) -> StageReport:
    """Import the prompt records not yet in the project, in batches. `predictions(record)` gives each task's
    pre-annotations; by default the source's own labels, so annotators confirm or change them."""
    predictions = predictions or (lambda r: [{"model_version": SOURCE_MODEL_VERSION, "result": result_items(r)}])

    def tasks(todo: pd.DataFrame) -> list[dict]:
        return [task(r, predictions(r)) for r in without_nan(with_suggestions(todo)).to_dict("records")]

    return push_tasks(server, kind, records, tasks, on_batch)


def push_tasks(server: Server, kind: str, items: pd.DataFrame, tasks: Callable[[pd.DataFrame], list[dict]],
               on_batch: Callable[[int, int], None] | None = None) -> StageReport:
    """Import, in batches and in order, the tasks (`tasks(rows)`) of the items (rows with an `id`) that the
    project does not hold yet: a rerun, or a run after a failure, imports exactly what is missing."""
    from tqdm import tqdm

    report = StageReport(f"push ({kind})")
    project = server.project(kind, push=True)
    present = {t.data.get("id") for t in server.tasks(project.id)}
    todo = tasks(items[~items["id"].isin(present)]) if len(items) else []
    size = int(config()["push_batch_size"])
    done = 0
    with tqdm(total=len(todo), desc=f"push {kind}", unit="task", file=sys.stderr, disable=not todo) as bar:
        for start in range(0, len(todo), size):
            chunk = todo[start:start + size]
            with server.errors():
                server.client.projects.import_tasks(id=project.id, request=chunk, return_task_ids=True)
            done += len(chunk)
            bar.update(len(chunk))
            if on_batch:
                on_batch(done, len(todo))
    report.counts = {"already in the project": len(present), "imported": done,
                     "tasks in the project": len(present) + done}
    return report


def earlier_votes(queue: pd.DataFrame, annotations: pd.DataFrame, subject=PROMPTS) -> Callable[[dict], list[dict]]:
    """An item's earlier annotations as predictions, for its adjudication task. One model_version for all:
    Label Studio shows annotators only the predictions of one version."""
    earlier = without_nan(annotations).set_index("annotation")
    annotations_of = dict(zip(queue["id"], queue["annotations"]))
    def shown(item: dict) -> list[dict]:
        return [{"model_version": EARLIER_MODEL_VERSION, "result": result_items(earlier.loc[a].to_dict(), subject)}
                for a in annotations_of[item["id"]]]

    return shown


def push_adjudication(server: Server, records: pd.DataFrame, queue: pd.DataFrame,
                      annotations: pd.DataFrame) -> StageReport:
    """Send unresolved prompts back as review tasks, each earlier annotation shown as a prediction."""
    return push(server, records[records["id"].isin(queue["id"])], "adjudication", earlier_votes(queue, annotations))


def pull(server: Server, exports_dir: Path) -> tuple[list[Path], StageReport]:
    """Store a full export snapshot of each project (prompts and responses), byte for byte as the server sent
    it, under exports_dir/<kind>/<UTC time>.json; a stored export is never overwritten."""
    report = StageReport("annotate pull")
    stored = []
    for kind in config()["projects"]:
        project = server.project(kind)
        if project is None:
            continue
        with server.errors():
            export = server.client.projects.exports.create(
                id=project.id, title=f"curation pull {kind}",
                serialization_options={"predictions": {"only_id": False},
                                       "annotations__completed_by": {"only_id": False}})
            polls = schemas().tuning["label_studio"]
            for _ in range(polls["export_polls"]):
                export = server.client.projects.exports.get(id=project.id, export_pk=export.id)
                if export.status in ("completed", "failed"):
                    break
                time.sleep(polls["export_poll_seconds"])
            if export.status != "completed":
                raise LabelStudioError(f"the export of project {project.title!r} did not complete ({export.status})")
            data = b"".join(server.client.projects.exports.download(id=project.id, export_pk=export.id,
                                                                    export_type="JSON"))
        tasks = json.loads(data)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = exports_dir / kind / f"{stamp}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(data)
        os.link(partial, path)  # all or nothing, and never over an existing export
        partial.unlink()
        stored.append(path)
        report.count(f"tasks ({kind})", len(tasks))
        report.count(f"annotations ({kind})", sum(len(t.get("annotations") or []) for t in tasks))
        report.notes.append(f"stored {path}")
    return stored, report


def status(server: Server) -> pd.DataFrame:
    """Per project and batch: tasks, annotations per task, done (enough annotations) and outstanding."""
    needed = int(config()["resolution"]["min_annotations"])
    rows = []
    for kind in config()["projects"]:
        project = server.project(kind)
        if project is None:
            continue
        for t in server.tasks(project.id):
            done = (t.total_annotations or 0) - (t.cancelled_annotations or 0)
            rows.append({"project": kind, "batch": t.data.get("batch"), "annotations": done,
                         "done": done >= (needed if kind == subject_of(kind).voting else 1)})
    frame = pd.DataFrame(rows, columns=["project", "batch", "annotations", "done"])
    return frame.groupby(["project", "batch"]).agg(
        tasks=("done", "size"), annotations_per_task=("annotations", "mean"), done=("done", "sum")
    ).assign(outstanding=lambda f: f["tasks"] - f["done"]).reset_index()

