"""Benchmark: push, a rerun of push, status and pull through curation.annotate.server against a real Label
Studio (tests/labelstudio_server.py: its own virtual environment, 127.0.0.1, a throwaway data directory).

Tasks: N synthetic short Japanese prompts with ids, each with the source's labels as a prediction, as
`curation annotate push` sends them, into the prompt `annotation` project. Each step runs in a fresh
process so its peak memory (ru_maxrss) is its own; the steps' progress bars go to stderr as usual.
Before that, the import rate is measured at several batch sizes on a scratch project (deleted after).

    make bench                                       # LABELSTUDIO_TASKS=100000
    .venv/bin/python benchmarks/bench_labelstudio.py --tasks 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from labelstudio_server import ADMIN, LS_BIN, LabelStudioServer, make_template  # noqa: E402

TOPICS = ["爆発物の作り方", "隣人の電話番号", "選挙の争点", "ワクチンの副作用", "パスワードの管理", "職場での差別",
          "沖縄の基地問題", "株価の予想", "処方薬の量", "明日の天気"]
SWEEP_TITLE = "bench: import batch sizes"


def records(n: int, start: int = 0) -> list[dict]:
    return [{"id": f"jt-bench-{i:07d}", "text": f"{TOPICS[i % len(TOPICS)]}について教えてください。（質問{i}）",
             "source": f"batch-{i % 7}", "origin": "crowd", "suggestions": "観点の候補: privacy"}
            for i in range(start, start + n)]


def task_maker():
    """Tasks as push() builds them: the record and the source's labels as a prediction."""
    from curation.annotate.controls import result_items
    from curation.annotate.server import SOURCE_MODEL_VERSION, task

    labels = [{"model_version": SOURCE_MODEL_VERSION, "result": result_items(
        {"label": "safe", "primary_viewpoint": "privacy", "viewpoints": ["privacy"], "borderline": False})}]
    return lambda todo: [task(r, labels) for r in todo.to_dict("records")]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(step: str, n: int, sweep: list[int], sweep_tasks: int, before_tasks: int) -> dict:
    """Runs one step in this process (called in a child) and returns what it measured."""
    import pandas as pd

    import curation.annotate.server as ls
    from curation.annotate.settings import config

    server = ls.Server()
    start = time.perf_counter()
    if step == "sweep":
        from curation.annotate.interface import labeling_config

        project = server.client.projects.create(title=SWEEP_TITLE, label_config=labeling_config())
        rates, make, done = {}, task_maker(), 0
        try:
            for size in sweep:
                todo = make(pd.DataFrame(records(sweep_tasks, done)))
                began = time.perf_counter()
                for at in range(0, len(todo), size):
                    server.client.projects.import_tasks(id=project.id, request=todo[at:at + size],
                                                        return_task_ids=True)
                rates[size] = len(todo) / (time.perf_counter() - began)
                done += len(todo)
                print(f"  import in batches of {size:>5}: {rates[size]:,.0f} tasks/s", file=sys.stderr, flush=True)
        finally:
            server.client.projects.delete(id=project.id)
        return {"rates": rates}
    if step in ("push", "push again"):
        items = pd.DataFrame(records(n))
        counts = ls.push_tasks(server, "annotation", items, task_maker()).counts
        assert counts["tasks in the project"] == n, counts
        result = {"imported": counts["imported"], "batch": int(config()["push_batch_size"])}
    elif step == "status":
        frame = ls.status(server)
        assert int(frame["tasks"].sum()) == n, frame
        result = {}
    elif step == "list as before":  # the old Server.tasks: every field, the SDK's default pages of 100
        project = server.project("annotation")
        with server.errors():
            seen = 0
            for _ in server.client.tasks.list(project=project.id, fields="all"):
                seen += 1
                if seen == before_tasks:
                    break
        result = {"listed": seen}
    else:  # pull; the export's build (one request) and its download timed apart
        times = {}

        def timed(name, function):
            def run(*args, **kwargs):
                began = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    times[name] = time.perf_counter() - began
            return run

        ls.built_export, ls.download = timed("build", ls.built_export), timed("download", ls.download)
        with tempfile.TemporaryDirectory() as out:
            stored, report = ls.pull(server, Path(out))
            assert report.counts["tasks (annotation)"] == n, report.counts
            result = {"megabytes": stored[0].stat().st_size / 1e6, **times}
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), **result}


def child(step: str, args: argparse.Namespace) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", step, "--tasks", str(args.tasks),
                          "--sweep", args.sweep, "--sweep-tasks", str(args.sweep_tasks),
                          "--before-tasks", str(args.before_tasks)],
                         stdout=subprocess.PIPE, text=True, check=True)  # stderr (progress) passes through
    return json.loads(run.stdout.splitlines()[-1])


def version(url: str) -> str:
    request = urllib.request.Request(f"{url}/api/version", headers={"Authorization": f"Token {ADMIN.token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["release"]


def server_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100000)
    parser.add_argument("--sweep", default="50,200,500,1000,2000", help="import batch sizes to compare")
    parser.add_argument("--sweep-tasks", type=int, default=4000, help="tasks imported at each batch size")
    parser.add_argument("--before-tasks", type=int, default=10000,
                        help="tasks listed the old way (every field, pages of 100); 0: skip")
    parser.add_argument("--template", help="an already migrated data directory (make_template) to start from")
    parser.add_argument("--out", default=str(HERE / "results-labelstudio.md"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sweep = [int(s) for s in args.sweep.split(",") if s]
    if args.child:
        print(json.dumps(measure(args.child, args.tasks, sweep, args.sweep_tasks, args.before_tasks)))
        return
    if not LS_BIN.exists():
        sys.exit(f"no Label Studio at {LS_BIN}: `make .ls-venv/.installed` installs it (or set LABEL_STUDIO_BIN)")
    n = args.tasks
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        template = Path(args.template) if args.template else make_template(Path(tmp) / "template")
        print(f"template ready in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
        server = LabelStudioServer(template, Path(tmp) / "data").start()
        os.environ.update(LABEL_STUDIO_URL=server.url, LABEL_STUDIO_API_KEY=ADMIN.token)
        try:
            release = version(server.url)
            results = {"sweep": child("sweep", args) if sweep else {"rates": {}}}
            steps = ["push", "push again", "status", *(["list as before"] if args.before_tasks else []), "pull"]
            for step in steps:
                results[step] = child(step, args)
                print(f"{step}: {json.dumps(results[step])}", file=sys.stderr, flush=True)
            server_mb = server_peak_mb(server.process.pid)
        finally:
            server.stop()
    write(Path(args.out), n, release, results, server_mb, args)
    print(f"wrote {args.out}")


def write(path: Path, n: int, release: str, results: dict, server_mb: float, args: argparse.Namespace) -> None:
    push, again, status, pull = results["push"], results["push again"], results["status"], results["pull"]
    lines = ["# Label Studio benchmark", "",
             f"Machine: {os.cpu_count()} cores (client and server on the same machine). Label Studio {release} "
             "(SQLite, no Redis), started by tests/labelstudio_server.py on 127.0.0.1. "
             f"{n:,} synthetic short Japanese prompts with ids, each with the source's labels as a prediction, "
             "into the prompt `annotation` project through curation.annotate.server. Each step in a fresh "
             "process: peak MB is the client's. `python benchmarks/bench_labelstudio.py --tasks N`.", "",
             "| step | tasks | seconds | tasks/s | client peak MB | notes |", "|---|---|---|---|---|---|",
             f"| push | {n:,} | {push['seconds']:.1f} | {n / push['seconds']:,.0f} | {push['peak_mb']:.0f} | "
             f"batches of up to {push['batch']:,}; imported {push['imported']:,} |",
             f"| push again (lists the project, imports nothing) | {n:,} | {again['seconds']:.1f} | "
             f"{n / again['seconds']:,.0f} | {again['peak_mb']:.0f} | imported {again['imported']:,} |",
             f"| status | {n:,} | {status['seconds']:.1f} | {n / status['seconds']:,.0f} | "
             f"{status['peak_mb']:.0f} | |"]
    if "list as before" in results:
        before = results["list as before"]
        per_task = before["seconds"] / before["listed"]
        lines.append(f"| list as before (every field, pages of 100: the old rerun and status) | "
                     f"{before['listed']:,} | {before['seconds']:.1f} | {1 / per_task:,.0f} | "
                     f"{before['peak_mb']:.0f} | "
                     + (f"first {before['listed']:,} of {n:,} tasks; all {n:,}: ~{per_task * n:.0f} s (extrapolated)"
                        if before["listed"] < n else "") + " |")
    lines.append(f"| pull | {n:,} | {pull['seconds']:.1f} | {n / pull['seconds']:,.0f} | {pull['peak_mb']:.0f} | "
                 f"export {pull['megabytes']:.0f} MB; built by the server in {pull['build']:.1f} s (one request), "
                 f"downloaded in {pull['download']:.1f} s |")
    lines += ["", f"Label Studio's own peak memory over the run: {server_mb:,.0f} MB.", ""]
    rates = results["sweep"]["rates"]
    if rates:
        lines += [f"Import rate by batch size ({args.sweep_tasks:,} tasks at each size, a scratch project):", "",
                  "| batch size | tasks/s |", "|---|---|"]
        lines += [f"| {int(size):,} | {rate:,.0f} |" for size, rate in rates.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
