"""Model responses to a release's prompts: collected through Inspect's own model layer (any provider it
supports), or imported from Inspect evaluation logs (aisev runs Inspect underneath), and stored under
data/responses/ so that a rerun adds nothing twice. Plain functions: log -> table of response records
(schemas/response.yaml), table -> files."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pandas as pd

from ..address import shown
from ..errors import SourceError
from ..evals import jai_trust_safety, split_rows
from ..release.layout import verify_release
from ..schema import schemas
from ..text import matching_forms

# How Inspect reports a request it gave up retrying: the cause is the exception named inside.
RETRIED = re.compile(r"^RetryError\(<Future .* raised (\w+)>\)$")
RELEASE_NAME = re.compile(r"v\d+\.\d+\.\d+")


def response_key(release: str, prompt_id: str, model: str, generation: str, epoch: int) -> str:
    """A response's stable id: the same run (release, prompt, model, settings, epoch) stored twice is one
    response; the same model asked again for a later release's prompts gives new ones."""
    text = f"{release}\n{prompt_id}\n{model}\n{generation}\n{epoch}"
    return "rs-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def collect(release: Path, split: str, model: str, log_dir: Path, limit: int | None = None,
            chat_completions: bool = False, timeout: int = 120, max_retries: int = 3):
    """Runs the project's Inspect task (curation/evals.py) on every prompt of a release split with `model`;
    the log. `chat_completions`: an OpenAI-compatible server that speaks only /v1/chat/completions (Inspect's
    openai provider otherwise uses the Responses API). A request gets `timeout` seconds an attempt and
    `max_retries` retries (Inspect's own default is to retry without end); when no prompt got an answer,
    a SourceError names the model's address and why. Progress is shown on a terminal only."""
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    # The task verifies the release. Not memoized: the model is built from the provider's settings (keys,
    # base URL) as they are now.
    chosen = get_model(model, memoize=False, **({"responses_api": False} if chat_completions else {}))
    [log] = inspect_eval(jai_trust_safety(release=str(release), split=split, every_prompt=True), model=chosen,
                         limit=limit, log_dir=str(log_dir), display="rich" if sys.stdout.isatty() else "none",
                         attempt_timeout=timeout, max_retries=max_retries, timeout=timeout * (max_retries + 1))
    errors = [s.error.message for s in log.samples or [] if s.error]
    if errors and len(errors) == len(log.samples):  # nothing answered: the model cannot be reached
        # The provider's own client knows the address where Inspect was given none (OPENAI_BASE_URL).
        address = chosen.api.base_url or getattr(getattr(chosen.api, "client", None), "base_url", None)
        where = shown(str(address)) if address else "its provider's address"
        # The samples Inspect cancelled once the first failed say nothing of why.
        first = next((e for e in errors if not e.startswith("CancelledError")), errors[0])
        cause = RETRIED.sub(r"\1", first.strip().splitlines()[0])
        if chosen.api.api_key:
            cause = cause.replace(chosen.api.api_key, "***")
        raise SourceError(f"{model} at {where} answered no prompt: {cause[:300]} (each request: {timeout} s "
                          f"an attempt, {max_retries} retries; the log is in {log_dir})")
    if log.status != "success" and not errors:  # errored samples: counted later
        raise SourceError(f"the evaluation of {model} did not finish ({log.status}): "
                          + (log.error.message.strip().splitlines()[0][:300] if log.error
                             else f"see its log in {log_dir}"))
    return log


def responses_of(log, release: Path, source: str) -> tuple[pd.DataFrame, int]:
    """The response records of an Inspect log against the release's prompts, and how many samples have no
    answer (the model call errored, or gave no output: not stored, so a rerun collects them). A log made for
    another release, or whose samples match no prompt of this one (matched_samples), is refused whole."""
    manifest, matched, failed, unmatched = matched_samples(log, release)
    version, total = f"v{manifest['version']}", len(log.samples or [])
    if not total:
        raise SourceError(f"{source}: the log holds no samples (a header-only log?): nothing to store")
    named = release_named(log)
    if named and named != version:
        raise SourceError(f"{source}: its {total} samples answered release {named}, not {version}: "
                          f"import it with --release naming {named}")
    if unmatched:
        raise SourceError(f"{source}: {unmatched} of its {total} samples match no prompt of release {version} "
                          "(by id and text, or by text): is it a log of another release? Nothing stored")
    generation = generation_of(log)
    records = [{"key": key, "prompt_id": row["id"], "release": manifest["version"], "split": split,
                "model": log.eval.model, "model_revision": revision_of(sample, log.eval.model),
                "generation": generation,
                "epoch": epoch_of(sample),
                "response": sample.output.completion, "source": source}
               for sample, row, split, key in matched]
    frame = pd.DataFrame(records, columns=[f.name for f in schemas().response_fields])
    for record in frame.to_dict("records"):
        problems = schemas().field_problems(schemas().response_fields, {k: v for k, v in record.items()
                                                                         if not (v is None or v != v)})
        if problems:
            raise SourceError(f"{source}: sample {record['prompt_id']}: " + "; ".join(f"{f} {p}" for f, p in problems))
    return frame, failed


def release_named(log) -> str | None:
    """The release (vX.Y.Z) a log of the project's own task says it ran on: its `release` folder's name, or
    the `revision` of a Hub repo; None for any other task (aisev's), whose samples alone tell."""
    args = log.eval.task_args or {}
    for value in (args.get("revision"), Path(str(args.get("release") or "")).name):
        if isinstance(value, str) and RELEASE_NAME.fullmatch(value):
            return value
    return None


def generation_of(log) -> str:
    """The log's generation settings as a response's `generation` (and key) holds them: JSON with sorted
    keys, settings left to the provider omitted ({} for none)."""
    settings = {k: v for k, v in log.eval.model_generate_config.model_dump().items() if v is not None}
    return json.dumps(settings, sort_keys=True, ensure_ascii=False)


def matched_samples(log, release: Path) -> tuple[dict, list[tuple[object, dict, str, str]], int, int]:
    """How an Inspect log's samples meet the release's prompts (the one code path of responses_of and of
    graders.grader_verdicts): the verified manifest; (sample, release row, split, response key) for each
    sample that matched a prompt and has an answer, in the log's order; how many samples have no answer
    (the model call errored, or gave no output) and how many match no prompt. A sample is matched by its id
    when that is a released id and its prompt is that prompt's text (or matching form), else by its
    prompt's matching form; a released id with another text matches nothing."""
    manifest = verify_release(release)
    rows = {split: split_rows(release, manifest, split) for split in manifest["configs"]["default"]["files"]}
    by_id = {row["id"]: (row, split) for split, split_rows in rows.items() for row in split_rows}
    forms = matching_forms([row["text"] for row, _ in by_id.values()])
    form_of = dict(zip(by_id, forms))
    by_form = dict(zip(forms, by_id.values()))
    generation = generation_of(log)
    matched, failed, unmatched = [], 0, 0
    for sample in log.samples or []:
        if sample.error is not None or not (sample.output and sample.output.completion.strip()):
            failed += 1
            continue
        text = prompt_text(sample.input)
        form = matching_forms([text])[0]
        found = by_id.get(str(sample.id))
        if found is None:
            found = by_form.get(form) if form else None
        elif text != found[0]["text"] and not (form and form == form_of[found[0]["id"]]):
            found = None  # the id of a released prompt, another prompt's text: another release's log
        if found is None:
            unmatched += 1
            continue
        (row, split), epoch = found, epoch_of(sample)
        matched.append((sample, row, split,
                        response_key(manifest["version"], row["id"], log.eval.model, generation, epoch)))
    return manifest, matched, failed, unmatched


EPOCHS_AT_MOST = 1_000_000  # Inspect counts epochs from 1; a bigger number is not a log it wrote


def epoch_of(sample) -> int:
    """A sample's epoch (1 when the log gives none); one that Inspect could not have written stops the import
    (10**30 would not even fit the released column)."""
    epoch = 1 if sample.epoch is None else sample.epoch
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= EPOCHS_AT_MOST:
        raise SourceError(f"sample {str(sample.id)[:40]}: epoch is not a whole number from 1 to "
                          f"{EPOCHS_AT_MOST:,}; not a log Inspect writes")
    return epoch


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
    model, sorted by key); (added, already stored). A stored record without a response (kept by earlier
    versions for a sample that had no output) is replaced by the answer."""
    added = kept = 0
    for (release, model), part in frame.groupby(["release", "model"], sort=True):
        path = folder / f"v{release}" / (model.replace("/", "__") + ".jsonl")
        stored = {}
        if path.is_file():
            stored = {r["key"]: r for r in read_stored(path)}
        new = {r["key"]: r for r in part.to_dict("records") if stored.get(r["key"], {}).get("response") is None}
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
