"""`curation contamination`: which corpus files to scan, the engine that runs the datatrove pipeline, and
the report made of what every task wrote (the same report whichever engine ran it)."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ReleaseError, SourceError
from ..release.layout import outside_releases
from .corpus import CorpusReader, ScanCorpus
from .scan import Index

ENGINES = ("local", "ray")


def corpus_files(specs: list[str]) -> list[str]:
    """Files, folders (every file below, hidden ones left out) and globs, as sorted absolute paths."""
    files: set[str] = set()
    try:
        for spec in specs:
            path = Path(spec)
            if path.is_dir():
                found = [p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".")
                                                                                for part in p.relative_to(path).parts)]
            elif path.is_file():
                found = [path]
            else:
                found = [Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file()]
                if not found:
                    raise SourceError(f"{spec}: no such file, folder or matching files")
            files.update(str(p.resolve()) for p in found)
    except OSError as exc:
        raise SourceError(f"{exc.filename or specs}: cannot be listed ({exc.strerror or type(exc).__name__})") from None
    if not files:
        raise SourceError(f"{' '.join(specs)}: no files to scan")
    return sorted(files)


def outside_inputs(path: Path, flag: str, release: Path, files: list[str]) -> None:
    """What the scan writes (--out, --work) must not land inside the release it reads, whatever that folder
    is called (layout.outside_releases knows folders named vX.Y.Z), nor on one of the corpus files."""
    where = path.resolve()
    if where == release.resolve() or release.resolve() in where.parents:
        raise ReleaseError(f"{flag} {path}: inside the release {release}; releases are read-only, write elsewhere")
    # Resolved paths catch links; a hard link (another name of the same file) only samefile does.
    linked = path.is_file() and path.stat().st_nlink > 1
    if str(where) in files or linked and any(os.path.samefile(path, f) for f in files):
        raise SourceError(f"{flag} {path}: one of the corpus files to scan; write the report elsewhere")


def number_order(text: str) -> list:
    """A sort key in which the numbers in a text count as numbers: line 2 before line 20."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in DIGIT_RUNS.split(text) if part]


DIGIT_RUNS = re.compile(r"(\d+)")


@dataclass
class Report:
    """Every matched document (sorted by file and place), every problem, and the totals."""
    release: str
    files: int
    documents: int = 0
    characters: int = 0
    matches: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    workers: list[dict] = field(default_factory=list)  # per task: where it ran

    def nodes(self) -> list[dict]:
        """Each node the tasks ran on (host, and on Ray its IP and id) and how many ran there."""
        count = Counter((w["host"], w.get("ip"), w.get("node_id")) for w in self.workers)
        return [{"host": h, "ip": ip, "node_id": node, "tasks": n} for (h, ip, node), n in sorted(count.items(),
                                                                                                   key=str)]

    def lines(self) -> list[str]:
        items = {i["id"] for m in self.matches for i in m["items"]}
        canary = sum(m["canary"] for m in self.matches)
        where = ", ".join(f"{n['ip'] or n['host']}{' node ' + n['node_id'][:8] if n['node_id'] else ''}: "
                          f"{n['tasks']}" for n in self.nodes())
        return [f"[contamination] release v{self.release}: {self.files} files, {self.documents:,} documents, "
                f"{self.characters:,} characters scanned by {len(self.workers)} tasks on {len(self.nodes())} "
                f"node(s) (tasks per node: {where})",
                f"  documents with an item: {sum(bool(m['items']) for m in self.matches):,}; items found: "
                f"{len(items):,}; documents with the canary: {canary:,}; unreadable: {len(self.problems):,}",
                *(f"  {p['file']}: {p['problem']}" for p in self.problems[:20]),
                *([f"  ... {len(self.problems) - 20} more problems"] if len(self.problems) > 20 else [])]

    def jsonl(self) -> str:
        """The report file: the matched documents, the problems, then a summary line."""
        summary = {"release": self.release, "files": self.files, "documents": self.documents,
                   "characters": self.characters, "matched_documents": len(self.matches),
                   "problems": len(self.problems), "tasks": len(self.workers), "nodes": self.nodes()}
        return "".join(json.dumps(m, ensure_ascii=False) + "\n"
                       for m in [*self.matches, *self.problems, {"summary": summary}])


def scan_corpora(specs: list[str], release: Path, text_field: str = "text", engine: str = "local",
                 address: str | None = None, tasks: int | None = None, workers: int | None = None,
                 work_dir: Path | None = None, min_coverage: float | None = None,
                 max_document_bytes: int | None = None, connect_timeout: float = 20.0) -> Report:
    """Scans every file of `specs` for the items of the release at `release` with datatrove's local or Ray
    executor; tasks and workers default to the machine's cores, or the Ray cluster's CPUs. `work_dir`
    (default: a temporary folder) receives the tasks' output and logs; on a real cluster it must be a folder
    every node can write (shared storage)."""
    if engine not in ENGINES:
        raise SourceError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
    if min_coverage is not None and not 0 < min_coverage <= 1:
        raise SourceError(f"--min-coverage {min_coverage}: a share above 0, at most 1")
    if not 0 < connect_timeout <= 86400:  # inf would overflow Ray's timer
        raise SourceError(f"--connect-timeout {connect_timeout}: seconds above 0 and at most 86400")
    if work_dir is not None:
        outside_releases(work_dir, "--work")
    index = Index.load(release, min_coverage)
    files = corpus_files(specs)
    own = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="contamination-")) if own else work_dir.resolve()
    if not own and (work.is_file() or work.exists() and any(work.iterdir())):
        raise SourceError(f"{work}: the work folder must be an empty folder (the tasks write their output there)")
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (work / "progress").mkdir()
    failed = True
    try:
        with cluster(engine, address, connect_timeout, logs) as cpus:
            workers = workers or cpus
            # Tasks share out the files; each task costs a start (on Ray, a new process): one per worker
            # measured best.
            tasks = max(1, min(len(files), tasks or workers))
            pipeline = [CorpusReader(files, text_field, max_document_bytes, str(work / "progress")),
                        ScanCorpus(index, str(work / "found"))]
            run_pipeline(pipeline, engine, tasks, workers, logs, progress_of(files, work / "progress"))
        report = collect(work / "found", index, len(files), tasks, logs)
        failed = False
        return report
    finally:
        if own and not failed:  # a failed scan's logs stay, for its error message
            shutil.rmtree(work, ignore_errors=True)


def run_pipeline(pipeline: list, engine: str, tasks: int, workers: int, logs: Path, progress) -> None:
    """Runs the pipeline on datatrove's executor for `engine`, with a progress bar on a terminal. Its
    console log (a block per task) goes to logs/console.log beside the tasks' own logs."""
    with stderr_to(logs / "console.log") as terminal, progress(terminal):
        try:
            if engine == "local":
                from datatrove.executor import LocalPipelineExecutor

                LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers, logging_dir=str(logs),
                                      skip_completed=False).run()
            else:
                from datatrove.executor.ray import RayPipelineExecutor

                RayPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers, logging_dir=str(logs),
                                    skip_completed=False, cpus_per_task=1, mem_per_cpu_gb=1).run()
        except Exception as exc:  # a task failed: datatrove has logged why
            raise SourceError(f"the scan failed ({type(exc).__name__}); see {logs}/console.log and "
                              f"{logs}/logs/") from None


@contextlib.contextmanager
def stderr_to(path: Path):
    """Standard error (file descriptor 2: worker processes too) into `path` for the duration; yields the
    terminal's standard error, or None when it is not a terminal (a log: no progress bar there)."""
    sys.stderr.flush()
    saved = os.dup(2)
    terminal = os.fdopen(os.dup(saved), "w") if os.isatty(saved) else None
    with open(path, "ab") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if terminal:
                terminal.close()


def progress_of(files: list[str], folder: Path):
    """A context manager factory: while the scan runs, a bar of the corpus bytes read (what the tasks write
    into `folder`) on the terminal given, polled twice a second; nothing without a terminal."""
    total = sum(os.path.getsize(f) for f in files)

    @contextlib.contextmanager
    def shown(terminal):
        if terminal is None:
            yield
            return
        from tqdm import tqdm

        stop = threading.Event()

        def poll(bar):
            while not stop.wait(0.5):
                bar.update(bytes_read(folder) - bar.n)

        with tqdm(total=total, desc="scan", unit="B", unit_scale=True, file=terminal) as bar:
            watcher = threading.Thread(target=poll, args=(bar,), daemon=True)
            watcher.start()
            try:
                yield
            finally:
                stop.set()
                watcher.join()
                bar.update(bytes_read(folder) - bar.n)

    return shown


def bytes_read(folder: Path) -> int:
    done = 0
    for path in folder.glob("[0-9]*[0-9]"):
        with contextlib.suppress(OSError, ValueError):  # being replaced this instant: counted next time
            done += int(path.read_text())
    return done


@contextlib.contextmanager
def cluster(engine: str, address: str | None, timeout: float, logs: Path):
    """The CPUs the scan may use: the machine's cores, or those of the Ray cluster at `address` (default:
    RAY_ADDRESS, else a new local cluster), joined for the duration."""
    if engine == "local":
        yield os.cpu_count() or 1
        return
    import ray

    started = not ray.is_initialized()
    if started:
        join_ray(address or os.environ.get("RAY_ADDRESS"), timeout, logs / "console.log")
    try:
        yield max(1, int(ray.cluster_resources().get("CPU", 1)))
    finally:
        if started:
            ray.shutdown()


def join_ray(address: str | None, timeout: float, console: Path) -> None:
    """ray.init, its messages into `console`, failing within `timeout` seconds with one line naming the
    address when no cluster answers there: Ray itself retries a wrong address for minutes without a word."""
    import ray

    def init():
        ray.init(address=address, log_to_driver=False, logging_level="WARNING",
                 runtime_env={"env_vars": {"LOGURU_DIAGNOSE": "NO"}})  # no corpus text in a traceback's log

    if address is None or address in ("auto", "local"):  # a new local cluster, or the one started here
        with stderr_to(console):
            return init()
    flag = f"--address {address}"
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not port.isdigit() or not host:
        raise SourceError(f"{flag}: not HOST:PORT")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise SourceError(f"{flag}: no Ray cluster answers there ({exc.strerror or type(exc).__name__})") from None
    outcome: dict = {}

    def attempt():
        try:
            init()
        except BaseException as exc:  # noqa: BLE001 (reported below, in the caller's thread)
            outcome["error"] = exc

    sys.stderr.flush()
    terminal = os.dup(2)
    with open(console, "ab") as sink:
        os.dup2(sink.fileno(), 2)
    joining = threading.Thread(target=attempt, daemon=True)  # daemon: a hung connect does not hold the exit
    joining.start()
    joining.join(timeout)
    if joining.is_alive():
        # Ray's thread hangs on and writes to descriptor 2 every few seconds: that stays in the log, and
        # Python's messages (this error) go to the real standard error from here on.
        sys.stderr = os.fdopen(terminal, "w")
        raise SourceError(f"{flag}: no Ray cluster answered within {timeout:g} s (--connect-timeout)")
    os.dup2(terminal, 2)
    os.close(terminal)
    if "error" in outcome:
        raise SourceError(f"{flag}: cannot join the Ray cluster there ({type(outcome['error']).__name__})")


def collect(found: Path, index: Index, files: int, tasks: int, logs: Path) -> Report:
    """The report from every task's output. A plain-text file's blocks overlap: an item seen in two blocks
    is reported once per file, with its best coverage (and the line where that was). A task whose output
    does not end with its totals did not finish (the Ray executor logs a failed task and goes on)."""
    report = Report(release=index.release, files=files)
    text_files: dict[str, dict] = {}
    outputs = {rank: found / f"{rank:05d}.jsonl" for rank in range(tasks)}
    lines = {rank: path.read_text(encoding="utf-8").splitlines() if path.is_file() else [""]
             for rank, path in outputs.items()}
    unfinished = [rank for rank, written in lines.items() if '"totals"' not in (written or [""])[-1]]
    if unfinished:
        raise SourceError(f"scan tasks {unfinished} did not finish; see {logs}/console.log and {logs}/logs/")
    for rank in range(tasks):
        for line in lines[rank]:
            record = json.loads(line)
            if "totals" in record:
                report.documents += record["totals"]["documents"]
                report.characters += record["totals"]["characters"]
                report.workers.append(record["worker"])
            elif "problem" in record:
                report.problems.append(record)
            elif record.pop("block", False):  # a block of a plain-text file
                merged = text_files.setdefault(record["file"], {"file": record["file"], "line": record["line"],
                                                                "items": {}, "canary": False})
                merged["canary"] |= record["canary"]
                for item in record["items"]:
                    seen = merged["items"].get(item["id"])
                    if seen is None or (-item["coverage"], item["line"]) < (-seen["coverage"], seen["line"]):
                        merged["items"][item["id"]] = item
            else:
                report.matches.append(record)
    for merged in text_files.values():
        merged["items"] = sorted(merged["items"].values(), key=lambda i: (i["line"], i["id"]))
        merged["line"] = merged["items"][0]["line"] if merged["items"] else merged["line"]
        report.matches.append(merged)
    report.matches.sort(key=lambda m: (m["file"], m.get("row", 0), m.get("line", 0)))
    report.problems.sort(key=lambda p: (p["file"], number_order(p["problem"])))
    return report
