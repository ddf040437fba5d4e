"""Model responses to a release's prompts: collected through Inspect's own model layer (any provider it
supports), or imported from Inspect evaluation logs (aisev runs Inspect underneath), and stored under
data/responses/ so that a rerun adds nothing twice. Plain functions: log -> table of response records
(schemas/response.yaml), table -> files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from ..errors import SourceError
from ..evals import jai_trust_safety, split_rows
from ..release.layout import verify_release
from ..schema import schemas
from ..text import matching_forms


def response_key(release: str, prompt_id: str, model: str, generation: str, epoch: int) -> str:
    """A response's stable id: the same run (release, prompt, model, settings, epoch) stored twice is one
    response; the same model asked again for a later release's prompts gives new ones."""
    text = f"{release}\n{prompt_id}\n{model}\n{generation}\n{epoch}"
    return "rs-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def collect(release: Path, split: str, model: str, log_dir: Path, limit: int | None = None,
            chat_completions: bool = False):
    """Runs the project's Inspect task (curation/evals.py) on a release split with `model`; the log.
    `chat_completions`: an OpenAI-compatible server that speaks only /v1/chat/completions (Inspect's openai
    provider otherwise uses the Responses API)."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    # The task verifies the release. Not memoized: the model is built from the provider's settings (keys,
    # base URL) as they are now.
    chosen = get_model(model, memoize=False, **({"responses_api": False} if chat_completions else {}))
    [log] = inspect_eval(jai_trust_safety(release=str(release), split=split), model=chosen, limit=limit,
                         log_dir=str(log_dir), display="none")
    if log.status != "success" and not any(s.error for s in log.samples or []):  # errored samples: counted later
        raise SourceError(f"the evaluation of {model} did not finish ({log.status}): "
                          f"{log.error.message if log.error else 'see its log in ' + str(log_dir)}")
    return log


def responses_of(log, release: Path, source: str) -> tuple[pd.DataFrame, int]:
    """The response records of an Inspect log against the release's prompts, and how many samples failed
    (the model call errored: not stored, so a rerun collects them). A sample is matched by its id when that
    is a released id, else by its prompt's matching form (aisev's logs number their samples)."""
    manifest, matched, failed, unmatched = matched_samples(log, release)
    if unmatched:
        raise SourceError(f"{source}: {unmatched} samples match no prompt of release v{manifest['version']}")
    generation = generation_of(log)
    records = [{"key": key, "prompt_id": row["id"], "release": manifest["version"], "split": split,
                "model": log.eval.model, "model_revision": revision_of(sample, log.eval.model),
                "generation": generation,
                "epoch": int(sample.epoch or 1),
                "response": (sample.output.completion if sample.output else "") or None, "source": source}
               for sample, row, split, key in matched]
    frame = pd.DataFrame(records, columns=[f.name for f in schemas().response_fields])
    for record in frame.to_dict("records"):
        problems = schemas().field_problems(schemas().response_fields, {k: v for k, v in record.items()
                                                                         if not (v is None or v != v)})
        if problems:
            raise SourceError(f"{source}: sample {record['prompt_id']}: " + "; ".join(f"{f} {p}" for f, p in problems))
    return frame, failed


def generation_of(log) -> str:
    """The log's generation settings as a response's `generation` (and key) holds them: JSON with sorted
    keys, settings left to the provider omitted ({} for none)."""
    settings = {k: v for k, v in log.eval.model_generate_config.model_dump().items() if v is not None}
    return json.dumps(settings, sort_keys=True, ensure_ascii=False)


def matched_samples(log, release: Path) -> tuple[dict, list[tuple[object, dict, str, str]], int, int]:
    """How an Inspect log's samples meet the release's prompts (the one code path of responses_of and of
    graders.grader_verdicts): the verified manifest; (sample, release row, split, response key) for each
    sample that matched a prompt, in the log's order; how many samples failed (the model call errored) and
    how many match no prompt. A sample is matched by its id when that is a released id, else by its
    prompt's matching form."""
    manifest = verify_release(release)
    rows = {split: split_rows(release, manifest, split) for split in manifest["configs"]["default"]["files"]}
    by_id = {row["id"]: (row, split) for split, split_rows in rows.items() for row in split_rows}
    texts = [row["text"] for row, _ in by_id.values()]
    by_form = dict(zip(matching_forms(texts), by_id.values()))
    generation = generation_of(log)
    matched, failed, unmatched = [], 0, 0
    for sample in log.samples or []:
        if sample.error is not None:
            failed += 1
            continue
        found = by_id.get(str(sample.id)) or by_form.get(matching_forms([prompt_text(sample.input)])[0])
        if found is None:
            unmatched += 1
            continue
        (row, split), epoch = found, int(sample.epoch or 1)
        matched.append((sample, row, split,
                        response_key(manifest["version"], row["id"], log.eval.model, generation, epoch)))
    return manifest, matched, failed, unmatched


def revision_of(sample, model: str) -> str | None:
    """The model snapshot the provider says answered (`gpt-4o-2024-08-06` for `openai/gpt-4o`), where it
    says one other than the name asked for."""
    answered = getattr(sample.output, "model", None) if sample.output else None
    return answered if isinstance(answered, str) and answered and answered != model.split("/", 1)[-1] else None


def prompt_text(value) -> str:
    """A sample's input as text: the string, or its last user message."""
    if isinstance(value, str):
        return value
    users = [m for m in value if getattr(m, "role", "") == "user"]
    return users[-1].text if users else ""


def read_stored(path: Path) -> list[dict]:
    """A stored JSONL file's records; a line that is not a JSON object is an error naming file and line."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines() if path.is_file() else [], start=1):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            raise SourceError(f"{path} line {n}: not a stored record (a JSON object with a key); these files are "
                              "written by `curation responses`")
        out.append(record)
    return out


def store(frame: pd.DataFrame, folder: Path) -> tuple[int, int]:
    """Adds the responses whose keys are new to folder/v<release>/<model>.jsonl (one file per release and
    model, sorted by key); (added, already stored)."""
    added = kept = 0
    for (release, model), part in frame.groupby(["release", "model"], sort=True):
        path = folder / f"v{release}" / (model.replace("/", "__") + ".jsonl")
        stored = {}
        if path.is_file():
            stored = {r["key"]: r for r in read_stored(path)}
        new = {r["key"]: r for r in part.to_dict("records") if r["key"] not in stored}
        added, kept = added + len(new), kept + len(part) - len(new)
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
            merged = {**stored, **new}
            partial = path.with_name(f".{path.name}.partial")
            partial.write_text("".join(json.dumps(clean(merged[k]), ensure_ascii=False) + "\n"
                                       for k in sorted(merged)), encoding="utf-8")
            partial.replace(path)
    return added, kept


def clean(record: dict) -> dict:
    """A record as JSON can hold it: pandas' missing values as null, numpy integers as int."""
    return {k: (None if v is None or (isinstance(v, float) and v != v) else int(v) if k == "epoch" else v)
            for k, v in record.items()}
