"""Check: how many rows of a release's `aisev/{dev,test}.csv` Japan AISI's aisev really registers, on its
plain route (`POST /datasets/register`) and on its goal-tree route (`POST /datasets/register/gsn`).

It runs aisev's own backend, never a copy of its code, so it needs an aisev checkout or its git directory
(`git clone https://github.com/Japan-AISI/aisev`): a check run by hand, not part of `make test`.

- aisev's `backend/` is exported (git archive of --revision, or copied from a checkout) into a temporary
  folder outside the repository; its pinned `backend/requirements.txt` is installed into a virtual
  environment of its own (--venv, default benchmarks/.aisev/venv, reused while the requirements match).
- aisev's `src/db/session.py` builds a PostgreSQL URL; a launcher hands its `create_engine` a temporary
  SQLite file instead, creates the tables with aisev's `src/db/define_tables.py` and serves `src.main:app`
  with uvicorn on 127.0.0.1.
- Each CSV is sent as aisev's upload page (`frontend/app/src/views/DatasetRegister.vue`) sends it: multipart
  fields `file` and `datasetName`. Plain registration first, then GSN registration of dev, test and test
  again, counting after each from aisev's SQLite database (the GSN datasets are not listed by its API).

    .venv/bin/python benchmarks/aisev_gsn_register.py --aisev ../aisev --release data/release/v0.9.0 \\
        --out benchmarks/results-aisev.md
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from labelstudio_server import free_port  # noqa: E402

from curation.schema import schemas  # noqa: E402

SPLITS = ("dev", "test")

# Runs inside aisev's environment: the SQLite file replaces the PostgreSQL server aisev's session.py expects.
LAUNCHER = """
import os, runpy, sys
import sqlalchemy
real = sqlalchemy.create_engine
sqlalchemy.create_engine = lambda url, *a, **k: real(os.environ["AISEV_DB_URL"], *a, **k)
target, sys.argv = sys.argv[1], sys.argv[1:]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""

# Also inside aisev's environment: its datasets are pickled pandas objects.
READER = """
import json, pickle, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
datasets = []
for name, kind, viewpoint, blob in db.execute(
        "SELECT name, type, evaluation_perspective_id, data_content FROM dataset"):
    content = pickle.loads(blob)
    ids = [str(i) for i in content["ID"]] if hasattr(content, "columns") and "ID" in content.columns else []
    datasets.append({"name": name, "type": kind, "viewpoint": viewpoint, "ids": ids})
viewpoints = db.execute("SELECT count(*) FROM evaluation_perspective").fetchone()[0]
json.dump({"datasets": datasets, "viewpoints": viewpoints}, sys.stdout)
"""


def export_backend(aisev: Path, revision: str, into: Path) -> str:
    """aisev's backend/ in `into`; returns the revision it is."""
    if (aisev / "backend" / "src" / "main.py").is_file():
        shutil.copytree(aisev / "backend", into / "backend",
                        ignore=shutil.ignore_patterns(".env", "logs", "__pycache__", ".venv"))
        described = subprocess.run(["git", "-C", str(aisev), "describe", "--always", "--dirty", "--abbrev=40"],
                                   capture_output=True, text=True)
        return described.stdout.strip() if described.returncode == 0 else "(not a git checkout)"
    git = ["git", f"--git-dir={aisev}"]
    commit = subprocess.run([*git, "rev-parse", "--verify", f"{revision}^{{commit}}"], capture_output=True, text=True)
    if commit.returncode != 0:
        sys.exit(f"{aisev}: neither an aisev checkout (backend/src/main.py) nor its git directory with {revision}")
    archive = subprocess.Popen([*git, "archive", "--format=tar", commit.stdout.strip(), "backend"],
                               stdout=subprocess.PIPE)
    with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
        tar.extractall(into, filter="data")
    if archive.wait() != 0:
        sys.exit(f"{aisev}: git archive of {revision} failed")
    date = subprocess.run([*git, "show", "-s", "--format=%cs", commit.stdout.strip()], capture_output=True, text=True)
    return f"{commit.stdout.strip()} ({date.stdout.strip()})"


def aisev_python(venv: Path, requirements: Path) -> Path:
    """aisev's pinned requirements in their own environment (they conflict with the project's)."""
    venv = venv.absolute()  # the backend runs in its own folder
    python, stamp = venv / "bin" / "python", venv / ".aisev-requirements"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    print(f"installing aisev's backend requirements into {venv} ...", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)])
    if installed.returncode != 0:
        sys.exit(f"{requirements}: pip could not install aisev's backend requirements into {venv}")
    stamp.write_text(wanted)
    return python


class Backend:
    """aisev's FastAPI backend on 127.0.0.1 with a SQLite file, stopped by its process group."""

    def __init__(self, python: Path, backend: Path):
        self.python, self.backend, self.db = python, backend, backend.parent / "aisev.sqlite"
        self.env = {**os.environ, "PYTHONPATH": str(backend), "AISEV_DB_URL": f"sqlite:///{self.db}"}
        self.log = backend.parent / "server.log"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None

    def start(self) -> Backend:
        # aisev's own table creation; it logs rather than raises, so the viewpoints are counted below
        subprocess.run([str(self.python), "-c", LAUNCHER, "src/db/define_tables.py"], cwd=self.backend,
                       env=self.env, capture_output=True, timeout=300)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.python), "-c", LAUNCHER, "uvicorn", "src.main:app", "--host", "127.0.0.1",
                 "--port", self.url.rsplit(":", 1)[1]],
                cwd=self.backend, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"aisev's backend exited: {self.last_log_line()}")
            try:
                with urllib.request.urlopen(f"{self.url}/datasets", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            sys.exit(f"aisev's backend did not answer GET /datasets in 120 s: {self.last_log_line()}")
        if self.state()["viewpoints"] != 10:
            sys.exit("aisev's define_tables.py did not create its ten viewpoints in the SQLite database")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def last_log_line(self) -> str:
        lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines() if self.log.exists() else []
        return lines[-1][:300] if lines else "(no output)"

    def upload(self, route: str, path: Path, name: str) -> dict:
        """One request as DatasetRegister.vue makes it: multipart `file` (text/csv) and `datasetName`."""
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="datasetName"\r\n\r\n{name}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                f'Content-Type: text/csv\r\n\r\n').encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{self.url}{route}", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(request, timeout=900) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as e:
            sys.exit(f"{path}: aisev answered {e.code} on POST {route}: {e.read()[:300].decode(errors='replace')}")

    def state(self) -> dict:
        read = subprocess.run([str(self.python), "-c", READER, str(self.db)], capture_output=True, text=True,
                              timeout=300)
        if read.returncode != 0:
            sys.exit(f"{self.db}: could not read aisev's datasets: {read.stderr.strip().splitlines()[-1:]}")
        return json.loads(read.stdout)


def gsn_rows(state: dict) -> list[str]:
    """IDs of the rows in aisev's goal-tree datasets (GSN_<leaf>, quantitative), duplicates kept."""
    return [i for d in state["datasets"] if d["name"].startswith("GSN_") and d["type"] == "quantitative"
            for i in d["ids"]]


def goal_order(goal_id: str) -> tuple:
    """G2-3 before G10-1: by viewpoint, then goal number."""
    return tuple(int(n) if n.isdigit() else -1 for n in goal_id.lstrip("G").split("-"))


def why_skipped(goal_id: str) -> str:
    goal = schemas().goal_tree.goals.get(goal_id)
    if goal is None:
        return "not a goal of AISI's trees" if goal_id else "no goal"
    return "leaf goal, yet not registered" if goal.leaf else f"{goal.level}, not a leaf"


def measure(backend: Backend, release: Path) -> dict:
    rows = {s: list(csv.DictReader((release / "aisev" / f"{s}.csv").open(encoding="utf-8", newline="")))
            for s in SPLITS}
    plain = {}
    for split in SPLITS:
        backend.upload("/datasets/register", release / "aisev" / f"{split}.csv", f"{release.name}-{split}")
        stored = [d for d in backend.state()["datasets"] if d["name"] == f"{release.name}-{split}"]
        plain[split] = len(stored[-1]["ids"]) if stored else 0
    stages, answers = [], set()
    for label, split in (("dev", "dev"), ("test", "test"), ("test again", "test")):
        answer = backend.upload("/datasets/register/gsn", release / "aisev" / f"{split}.csv", f"{release.name}-{split}")
        answers.add(", ".join(f"{n} × {v!r}" for v, n in Counter(answer.get("registered_gsn", [])).items()))
        state = backend.state()
        registered = gsn_rows(state)
        stages.append({"after": label, "rows": len(registered), "distinct": len(set(registered)),
                       "datasets": sum(d["name"].startswith("GSN_") and d["type"] == "quantitative"
                                       for d in state["datasets"]),
                       "questions": sum(d["name"].startswith("GSN_") and d["type"] == "qualitative"
                                        for d in state["datasets"]),
                       **{s: len({r["ID"] for r in rows[s]} & set(registered)) for s in SPLITS}})
    return {"rows": rows, "plain": plain, "stages": stages, "answers": answers, "registered": set(registered),
            "moved": upload_with_a_row_moved(backend, rows["test"])}


def upload_with_a_row_moved(backend: Backend, rows: list[dict]) -> str:
    """Does a later upload replace a row already registered? test.csv again, one row moved to another leaf."""
    goals = schemas().goal_tree.goals
    row = next((r for r in rows if r["gsn_perspective"] in goals and goals[r["gsn_perspective"]].leaf), None)
    if row is None:
        return "not tried: no test row names a leaf goal"
    was = goals[row["gsn_perspective"]]
    now = next(g.id for g in goals.values() if g.leaf and g.viewpoint == was.viewpoint and g.id != was.id)
    path = backend.backend.parent / "test-moved.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(row))
        out.writeheader()
        out.writerows(dict(r, gsn_perspective=now) if r is row else r for r in rows)
    backend.upload("/datasets/register/gsn", path, "test-moved")
    held = [d["name"] for d in backend.state()["datasets"] if d["name"].startswith("GSN_") and row["ID"] in d["ids"]]
    return (f"test.csv uploaded once more with {row['ID']} moved from {was.id} to {now}: afterwards aisev holds it "
            f"in {', '.join(held) or 'no dataset'}.")


def report(result: dict, release: Path, revision: str) -> str:
    rows, registered = result["rows"], result["registered"]
    total = {s: len(rows[s]) for s in SPLITS}
    gsn = {s: sum(r["ID"] in registered for r in rows[s]) for s in SPLITS}
    everything, on_gsn = sum(total.values()), sum(gsn.values())
    lines = [f"# aisev registration of {release.name}'s aisev CSVs", "",
             f"aisev revision {revision}: its backend (SQLite) run by `benchmarks/aisev_gsn_register.py`; each CSV "
             "sent as its upload page sends it (multipart `file`, `datasetName`).", "",
             "| split | rows | `POST /datasets/register` stored | `POST /datasets/register/gsn` registered | skipped |",
             "|---|---|---|---|---|"]
    lines += [f"| {s} | {total[s]} | {result['plain'][s]} | {gsn[s]} | {total[s] - gsn[s]} |" for s in SPLITS]
    lines += [f"| **total** | {everything} | {sum(result['plain'].values())} | **{on_gsn}** "
              f"({on_gsn / max(everything, 1):.1%}) | {everything - on_gsn} |", "",
              f"The GSN route answered `registered_gsn` = {' / '.join(sorted(result['answers']))} for every "
              "upload, whatever it registered; `datasetName` names nothing: rows land in one dataset per leaf goal "
              "(`GSN_<leaf>`), shared by every upload, and every leaf without rows becomes a qualitative question.", "",
              "## Global and cumulative", "",
              "| after GSN upload of | GSN_ datasets with rows | leaf questions | rows registered | distinct IDs "
              "| of dev | of test |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {s['after']} | {s['datasets']} | {s['questions']} | {s['rows']} | {s['distinct']} | {s['dev']} "
              f"| {s['test']} |" for s in result["stages"]]
    lines += ["", result["moved"]]
    lines += ["", "## Per viewpoint (both splits)", "", "| viewpoint | rows | registered on GSN | skipped |",
              "|---|---|---|---|"]
    per = defaultdict(Counter)
    for r in (r for s in SPLITS for r in rows[s]):
        per[r["ten_perspective"]].update({"rows": 1, "registered": r["ID"] in registered})
    lines += [f"| {v['number']} {v['ja']} | {per[v['ja']]['rows']} | {per[v['ja']]['registered']} | "
              f"{per[v['ja']]['rows'] - per[v['ja']]['registered']} |" for v in schemas().viewpoints]
    lines += ["", "## Skipped rows, by goal", "", "| split | goal | why | rows | IDs |", "|---|---|---|---|---|"]
    for split in SPLITS:
        skipped = defaultdict(list)
        for r in rows[split]:
            if r["ID"] not in registered:
                skipped[r["gsn_perspective"]].append(r["ID"])
        lines += [f"| {split} | {g or '(empty)'} | {why_skipped(g)} | {len(ids)} | {' '.join(ids)} |"
                  for g, ids in sorted(skipped.items(), key=lambda item: goal_order(item[0]))]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aisev", type=Path, required=True, help="aisev checkout or git directory")
    parser.add_argument("--release", type=Path, required=True, help="a release folder, e.g. data/release/v0.9.0")
    parser.add_argument("--revision", default="HEAD", help="aisev revision to export from a git directory")
    parser.add_argument("--venv", type=Path, default=HERE / ".aisev" / "venv", help="aisev's own environment")
    parser.add_argument("--out", type=Path, help="also write the markdown summary here")
    args = parser.parse_args()
    if not args.aisev.exists():
        sys.exit(f"{args.aisev}: no such aisev checkout or git directory (clone Japan-AISI/aisev first)")
    for split in SPLITS:
        if not (args.release / "aisev" / f"{split}.csv").is_file():
            sys.exit(f"{args.release / 'aisev' / f'{split}.csv'}: not found (is {args.release} a release folder?)")
    with tempfile.TemporaryDirectory(prefix="aisev-") as work:
        revision = export_backend(args.aisev.resolve(), args.revision, Path(work))
        backend = Backend(aisev_python(args.venv, Path(work) / "backend" / "requirements.txt"),
                          Path(work) / "backend")
        try:
            summary = report(measure(backend.start(), args.release), args.release, revision)
        finally:
            backend.stop()
    print(summary)
    if args.out:
        args.out.write_text(summary, encoding="utf-8")


if __name__ == "__main__":
    main()
