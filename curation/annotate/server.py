"""Talking to a Label Studio server: push tasks (with pre-annotations), pull export snapshots, status.

Connection from LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY. The key never appears in output or errors:
every failure is re-raised as LabelStudioError with the key and the server's headers left out.
Push is idempotent and resumable: tasks carry the record id, and ids already in the project are skipped,
so a rerun after any failure imports exactly what is missing.

Built for 100k tasks a project (benchmarks/bench_labelstudio.py): tasks are listed a page at a time with only
the fields push and status read, imported in batches that grow to push_batch_size, and an export is built
by the server inside one request that gets its own long timeout, then streamed to disk. Each long step
shows its progress on stderr.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pandas as pd

from ..address import CONNECT_SECONDS, reason, shown
from ..errors import LabelStudioError
from ..release.configs import without_nan
from ..report import StageReport
from ..schema import schemas
from .controls import PROMPTS, result_items, subject_of
from .interface import labeling_config
from .settings import config

URL_ENV, KEY_ENV, TIMEOUT_ENV = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_TIMEOUT"
SOURCE_MODEL_VERSION = "source-labels"
EARLIER_MODEL_VERSION = "earlier-annotations"
# What push and status read of a task. Listing only these (the server's `include`) skips the per-task
# fields the server computes for its data manager: ~0.35 ms a task instead of ~2 ms with every field.
TASK_FIELDS = ("id", "data", "total_annotations", "cancelled_annotations")


def tuning() -> dict:
    return schemas().tuning["label_studio"]


def settings() -> tuple[str, str, float]:
    """LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY, and LABEL_STUDIO_TIMEOUT: seconds a request may wait for the
    server's answer (default 60; an export gets tuning `export_seconds`)."""
    url, key = os.environ.get(URL_ENV), os.environ.get(KEY_ENV)
    if not url or not key:
        raise LabelStudioError(f"set {URL_ENV} and {KEY_ENV} to reach Label Studio")
    try:
        timeout = float(os.environ.get(TIMEOUT_ENV) or 60)
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 86400:  # inf or 1e10 would overflow the client's timer
        raise LabelStudioError(f"{TIMEOUT_ENV} must be a number of seconds above 0 and at most 86400")
    return url.rstrip("/"), key, timeout


@contextmanager
def server_errors(key: str, url: str = "") -> Iterator[None]:
    """Any failure below becomes a LabelStudioError that names the server and what went wrong, never the key."""
    from label_studio_sdk.core.api_error import ApiError

    try:
        yield
    except LabelStudioError:
        raise
    except ApiError as exc:
        detail = exc.body if isinstance(exc.body, (str, dict, list)) else type(exc.body).__name__
        detail = " ".join(str(detail).replace(key, "***").split())  # one line, however the server formats it
        raise LabelStudioError(f"Label Studio at {shown(url)} answered {exc.status_code}: {detail[:300]}") from None
    except (httpx.HTTPError, OSError) as exc:  # refused, reset, timed out
        raise LabelStudioError(f"cannot talk to Label Studio at {shown(url)} "
                               f"({reason(exc).replace(key, '***')})") from None


def bounded_connect(request: httpx.Request) -> None:
    """A request given its own timeout (an export's hour) still gives up connecting after CONNECT_SECONDS."""
    timeout = request.extensions.get("timeout", {})
    if timeout.get("connect") is None or timeout["connect"] > CONNECT_SECONDS:
        request.extensions["timeout"] = {**timeout, "connect": CONNECT_SECONDS}


class Server:
    def __init__(self, url: str | None = None, key: str | None = None):
        from label_studio_sdk import LabelStudio

        env_url, env_key, timeout = settings() if not (url and key) else (url, key, 60.0)
        self.key, self.url = env_key, env_url
        http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_SECONDS)),
                            follow_redirects=True, event_hooks={"request": [bounded_connect]})
        self.client = LabelStudio(base_url=env_url, api_key=env_key, timeout=timeout, httpx_client=http)

    def errors(self):
        return server_errors(self.key, self.url)

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

    def pages(self, project_id: int, full: bool = False, desc: str | None = None) -> Iterator[list]:
        """The project's tasks a page (tuning `list_page_size`) at a time, in task id order, so a task imported
        meanwhile comes last and none is repeated or skipped. `full`: every field, annotations and predictions
        included; otherwise only TASK_FIELDS. Progress on stderr. (Asking for the next page while reading one
        gained nothing: the server's time is ~90% of it.)"""
        from label_studio_sdk.core.api_error import ApiError
        from tqdm import tqdm

        size = int(tuning()["list_page_size"])
        fields = {"fields": "all"} if full else {"fields": "task_only", "include": ",".join(TASK_FIELDS)}

        def page(number: int):
            try:
                return self.client.tasks.list(project=project_id, page=number, page_size=size, **fields)
            except ApiError as exc:
                if exc.status_code == 404 and number > 1:  # past the last page: tasks deleted meanwhile
                    return None
                raise

        with self.errors():
            first = page(1)
            total = first.response.total if first else 0
            seen = 0
            with tqdm(total=total, desc=desc or f"list project {project_id}", unit="task", file=sys.stderr,
                      disable=not total) as bar:
                for number in range(1, -(-total // size) + 1):
                    found = first if number == 1 else page(number)
                    items = list(found.items or []) if found else []
                    seen += len(items)
                    bar.update(len(items))
                    yield items
            if seen < total:  # a page moved under us: a task may have been skipped, and push would import it twice
                raise LabelStudioError(f"tasks were deleted from project {project_id} while it was listed "
                                       f"({seen} of {total} seen); run again")

    def tasks(self, project_id: int, full: bool = True, desc: str | None = None) -> list:
        """Every task of the project, in id order: with `full` (the default) annotations and predictions too;
        otherwise only TASK_FIELDS, which is what push and status read."""
        return [t for items in self.pages(project_id, full, desc) for t in items]


def while_showing(desc: str, call: Callable[[], object]):
    """call() in a thread, while a line on stderr shows how long it has taken (a daemon thread: Ctrl-C does
    not wait for a long request to end)."""
    from tqdm import tqdm

    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # re-raised below, in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    with tqdm(desc=desc, bar_format="{desc}: {elapsed}", file=sys.stderr) as bar:
        while worker.is_alive():
            worker.join(1)
            bar.refresh()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def task(record: dict, predictions: list[dict]) -> dict:
    return {"data": {"id": record["id"], "text": record["text"], "batch": record["source"],
                     "origin": record["origin"], "suggestions": record["suggestions"]}, "predictions": predictions}


def push(server: Server, records: pd.DataFrame, kind: str = "annotation", predictions=None,
         on_batch: Callable[[int, int], None] | None = None, scorer=None, uncertainty: bool = False) -> StageReport:
    """Import the prompt records not yet in the project, in batches. `predictions(record)` gives each task's
    pre-annotations; by default the source's own labels, so annotators confirm or change them, completed by
    the suggestion model's (`scorer`, suggestions.py) with its score and version. `uncertainty`: least
    confident first, in import order and in the order the project serves tasks."""
    from .suggestions import in_uncertainty_order, serve_least_confident, with_suggestions
    from .suggestions import predictions as model_predictions

    version = scorer.model.version if scorer is not None else SOURCE_MODEL_VERSION
    predictions = predictions or model_predictions(version)

    def tasks(todo: pd.DataFrame) -> list[dict]:
        todo = with_suggestions(todo, scorer)
        todo = in_uncertainty_order(todo) if uncertainty and scorer is not None else todo
        return [task(r, predictions(r)) for r in without_nan(todo).to_dict("records")]

    report = push_tasks(server, kind, records, tasks, on_batch)
    if uncertainty and scorer is not None:
        serve_least_confident(server, kind, version)
        report.notes.append(f"the project serves the least confident task first (model {version})")
    return report


def push_tasks(server: Server, kind: str, items: pd.DataFrame, tasks: Callable[[pd.DataFrame], list[dict]],
               on_batch: Callable[[int, int], None] | None = None) -> StageReport:
    """Import, in batches and in order, the tasks (`tasks(rows)`) of the items (rows with an `id`) that the
    project does not hold yet: a rerun, or a run after a failure, imports exactly what is missing."""
    from tqdm import tqdm

    report = StageReport(f"push ({kind})")
    project = server.project(kind, push=True)
    present = {t.data.get("id") for page in server.pages(project.id, desc=f"push {kind}: tasks already there")
               for t in page}
    todo = tasks(items[~items["id"].isin(present)]) if len(items) else []
    # Batches start at push_first_batch and grow with what has been imported up to push_batch_size: the
    # first answer comes back at once, and from ~1,600 tasks on every request is full size.
    size = int(config()["push_batch_size"])
    first = int(config().get("push_first_batch", size))
    done = 0
    with tqdm(total=len(todo), desc=f"push {kind}", unit="task", file=sys.stderr, disable=not todo) as bar:
        while done < len(todo):
            chunk = todo[done:done + min(size, max(first, done))]
            with server.errors():
                server.client.projects.import_tasks(id=project.id, request=chunk, return_task_ids=True)
            done += len(chunk)
            bar.update(len(chunk))
            if on_batch:
                on_batch(done, len(todo))
    report.counts = {"tasks offered": len(items), "already in the project": len(present), "imported": done,
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


def built_export(server: Server, project, kind: str):
    """A completed export snapshot of the project with full predictions and annotators. Label Studio 1.23
    without Redis builds the snapshot inside the create request (data_export/mixins.py
    `run_file_exporting`: ~0.7 ms a task, 69 s at 100k on 2 cores), so that request gets tuning `export_seconds`, not
    the client's 60 s; with Redis it answers at once and the snapshot is polled until it is done."""
    limits = tuning()
    deadline = time.monotonic() + limits["export_seconds"]

    def build():
        export = server.client.projects.exports.create(
            id=project.id, title=f"curation pull {kind}",
            serialization_options={"predictions": {"only_id": False},
                                   "annotations__completed_by": {"only_id": False}},
            request_options={"timeout": limits["export_seconds"]})
        while export.status not in ("completed", "failed") and time.monotonic() < deadline:
            time.sleep(limits["export_poll_seconds"])
            export = server.client.projects.exports.get(id=project.id, export_pk=export.id)
        return export

    count = getattr(project, "task_number", None)
    export = while_showing(f"pull {kind}: Label Studio builds the export"
                           + (f" of {count:,} tasks" if count is not None else ""), build)
    if export.status != "completed":
        raise LabelStudioError(f"the export of project {project.title!r} did not complete ({export.status})")
    return export


def download(server: Server, project, export, kind: str, path: Path) -> None:
    """Stream the export's bytes, as the server sends them, to `path` (progress on stderr)."""
    from tqdm import tqdm

    with server.client.projects.exports.with_raw_response.download(
            id=project.id, export_pk=export.id, export_type="JSON", request_options={"chunk_size": 1 << 20}) as answer:
        size = answer.headers.get("content-length")
        with open(path, "wb") as out, tqdm(total=int(size) if size else None, desc=f"pull {kind}: download",
                                           unit="B", unit_scale=True, file=sys.stderr) as bar:
            for chunk in answer.data:
                out.write(chunk)
                bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())


JSON_SPACE = re.compile(r"[ \t\n\r]*")


def json_items(path: Path, chunk: int = 1 << 20) -> Iterator:
    """The items of the JSON array in `path`, one at a time: a 100k-task export is never all in memory."""
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8") as file:
        text, at, more = "", 0, True

        def skip(chars: str) -> bool:  # past `chars` and whitespace, reading on as needed; False at the end
            nonlocal text, at, more
            while True:
                while at < len(text) and (text[at].isspace() or text[at] in chars):
                    at += 1
                if at < len(text) or not more:
                    return at < len(text)
                text, at = file.read(chunk), 0
                more = bool(text)

        if not skip("") or text[at] != "[":
            raise ValueError("not a JSON array")
        at += 1
        while skip(","):
            if text[at] == "]":
                return
            try:  # an item counts once the comma or bracket after it is read too: a cut number is never taken
                item, end = decoder.raw_decode(text, at)
                after = JSON_SPACE.match(text, end).end()
                if after == len(text) or text[after] not in ",]":
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, after)
            except json.JSONDecodeError:
                if not more:
                    raise
                extra = file.read(chunk)
                more = bool(extra)
                text, at = text[at:] + extra, 0
                continue
            yield item
            at = end
        raise ValueError("the JSON array is not closed")


def server_name(server: Server, project) -> str:
    """Names the Label Studio server (and database) a project lives on, for the stored exports: task and
    annotation ids count from 1 on every server, so exports of two servers are told apart by this name. A
    fresh server, or one whose database was reset, has a project created at another instant; the same
    server reached at another address (localhost, 127.0.0.1) keeps its name."""
    created = project.created_at.isoformat() if getattr(project, "created_at", None) else ""
    return "ls-" + hashlib.sha256(f"{project.id}\n{created}".encode()).hexdigest()[:12]


def pull(server: Server, exports_dir: Path) -> tuple[list[Path], StageReport]:
    """Store a full export snapshot of each project (prompts and responses), byte for byte as the server sent
    it, under exports_dir/<kind>/<UTC time>.<server>.json; a stored export is never overwritten, and earlier
    ones stay: every stored export counts (annotate/exports.py). The bytes go to a .partial file first, which
    becomes the export only once it is complete and reads as JSON."""
    report = StageReport("annotate pull")
    stored = []
    for kind in config()["projects"]:
        project = server.project(kind)
        if project is None:
            report.notes.append(f"{kind}: no project {config()['projects'][kind]!r} on this server")
            continue
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = exports_dir / kind / f"{stamp}.{server_name(server, project)}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        try:
            with server.errors():
                export = built_export(server, project, kind)
                download(server, project, export, kind, partial)
            tasks = annotations = 0
            try:
                for t in json_items(partial):
                    tasks += 1
                    annotations += len(t.get("annotations") or [])
            except ValueError as exc:  # JSONDecodeError too
                raise LabelStudioError(f"the export of project {project.title!r} is not a JSON list of tasks "
                                       f"({exc})") from None
            os.link(partial, path)  # all or nothing, and never over an existing export
        finally:
            partial.unlink(missing_ok=True)
        stored.append(path)
        report.count(f"tasks ({kind})", tasks)
        report.count(f"annotations ({kind})", annotations)
        report.notes.append(f"stored {path}")
    return stored, report


def status(server: Server) -> pd.DataFrame:
    """Per project and batch: tasks, annotations per task, done (enough annotations) and outstanding. Every
    project is listed; one with no tasks yet (or not created yet) as a row of zeros."""
    needed = int(config()["resolution"]["min_annotations"])
    rows, empty = [], []
    for kind in config()["projects"]:
        project = server.project(kind)
        before = len(rows)
        for page in server.pages(project.id, desc=f"status {kind}") if project is not None else []:
            for t in page:
                done = (t.total_annotations or 0) - (t.cancelled_annotations or 0)
                rows.append({"project": kind, "batch": t.data.get("batch"), "annotations": done,
                             "done": done >= (needed if kind == subject_of(kind).voting else 1)})
        if len(rows) == before:
            empty.append({"project": kind, "batch": "(no project yet)" if project is None else "(no tasks yet)",
                          "tasks": 0, "annotations_per_task": 0.0, "done": 0, "outstanding": 0})
    frame = pd.DataFrame(rows, columns=["project", "batch", "annotations", "done"])
    listed = frame.groupby(["project", "batch"]).agg(
        tasks=("done", "size"), annotations_per_task=("annotations", "mean"), done=("done", "sum")
    ).assign(outstanding=lambda f: f["tasks"] - f["done"]).reset_index()
    order = {kind: n for n, kind in enumerate(config()["projects"])}
    return (pd.concat([listed, pd.DataFrame(empty, columns=listed.columns)], ignore_index=True)
            .sort_values("project", key=lambda c: c.map(order), kind="stable").reset_index(drop=True))
