"""A model as files of a release's `model/` folder (in its manifest, outside the `datasets` configs):
`model.json` (version, classes, biases, temperatures, what it learned from), `features.parquet` (every
feature with its IDF and its weight in each head), `goals.parquet` (the leaves' prototypes, sparse) and
`examples.parquet` (what it was trained on). Plain data, never pickle: loading a downloaded model runs no
code, and the same model always gives the same bytes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse as sp

from ..errors import ReleaseError
from ..schema import schemas
from .model import Model

FOLDER = "model"
FILES = ("model.json", "features.parquet", "goals.parquet", "examples.parquet")


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    # The canary marks every Parquet file of a release, the model's too: a crawled copy is recognisable.
    canary = {b"canary": schemas().dataset["canary"].encode("utf-8")}
    pq.write_table(table.replace_schema_metadata(canary), sink, **schemas().tuning["parquet"])
    return sink.getvalue()


def model_files(model: Model) -> dict[str, bytes]:
    """release-relative path -> bytes."""
    columns = {"feature": pa.array(model.features, pa.string()), "idf": pa.array(model.idf, pa.float32())}
    for name, classes in sorted(model.classes.items()):  # model.json's order: a model read back writes the same
        for k, code in enumerate(classes):
            columns[f"{name}/{code}"] = pa.array(model.weights[name][:, k], pa.float32())
    protos = model.prototypes.sorted_indices().tocoo()  # by leaf, then feature: not the sparse product's order
    goals = pa.table({"goal": pa.array([model.goals[i] for i in protos.row], pa.string()),
                      "feature": pa.array(protos.col, pa.int32()), "weight": pa.array(protos.data, pa.float32())})
    meta = {"model_version": model.version, "leaves": model.goals, "classes": model.classes,
            "bias": {k: [float(x) for x in v] for k, v in model.bias.items()},
            "temperature": model.temperature, **model.info}
    examples = pa.Table.from_pandas(model.examples.astype(object).where(model.examples.notna(), None),
                                    preserve_index=False)
    return {f"{FOLDER}/model.json": (json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode(),
            f"{FOLDER}/features.parquet": parquet_bytes(pa.table(columns)),
            f"{FOLDER}/goals.parquet": parquet_bytes(goals),
            f"{FOLDER}/examples.parquet": parquet_bytes(examples)}


def load_model(folder: Path) -> Model:
    """The model stored in `folder` (a release's model/ folder, or a release folder)."""
    folder = folder / FOLDER if (folder / FOLDER / "model.json").is_file() else folder
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        table = pq.read_table(folder / "features.parquet")
        goals = pq.read_table(folder / "goals.parquet").to_pandas()
        examples = pq.read_table(folder / "examples.parquet").to_pandas()
        classes = meta["classes"]
        weights = {name: np.column_stack([table[f"{name}/{c}"].to_numpy() for c in codes]).astype(np.float32)
                   for name, codes in classes.items()}
        features = table["feature"].to_pylist()
        row = {g: i for i, g in enumerate(meta["leaves"])}
        protos = sp.csr_matrix((goals["weight"].to_numpy(), (goals["goal"].map(row).to_numpy(),
                                                            goals["feature"].to_numpy())),
                               shape=(len(meta["leaves"]), len(features)), dtype=np.float32)
        return Model(meta["model_version"], features, table["idf"].to_numpy().astype(np.float32), classes,
                     weights, {k: np.array(v, dtype=np.float32) for k, v in meta["bias"].items()},
                     meta["temperature"], meta["leaves"], protos, examples,
                     {k: meta[k] for k in ("settings", "examples", "features")})
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise ReleaseError(f"{folder}: not a suggestion model written by this tool "
                           f"({type(exc).__name__}); `curation suggest train` writes one") from None


def newest_model(out_dir: Path) -> Path | None:
    """The newest release under `out_dir` that holds a model."""
    from ..release.history import release_folders
    from ..release.layout import parse_version

    held = [p for p in release_folders(out_dir) if (p / FOLDER / "model.json").is_file()]
    return max(held, key=lambda p: parse_version(p.name.removeprefix("v"))) if held else None


def chosen_model(choice: str | None, out_dir: Path) -> Model | None:
    """`--model`: a model folder (or a release holding one); `none`: the lexicons alone; default: the newest
    release under `out_dir` that holds a model (None when no release does)."""
    if choice == "none":
        return None
    if choice:
        return load_model(Path(choice))
    newest = newest_model(out_dir)
    return load_model(newest) if newest is not None else None


def write_model(model: Model, folder: Path) -> Path:
    """The model's files into folder/<model_version>/, written beside and renamed into place: a model
    folder is never half written, and one already there (the same model) is left as it is."""
    import os
    import shutil

    final = folder / model.version
    if (final / "model.json").is_file():
        return final
    tmp = folder / f".tmp-{model.version}-{os.getpid()}"
    try:
        for rel, data in model_files(model).items():
            path = tmp / Path(rel).relative_to(FOLDER)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        os.rename(tmp, final)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReleaseError(f"{final}: not written ({exc.strerror or type(exc).__name__})") from None
    return final


def scorer_for(choice: str | None, releases: Path):
    """(a Scorer of the model --model chooses, or None for the lexicons; a line naming it)."""
    from .predict import Scorer

    model = chosen_model(choice, releases)
    said = (f"suggestions: model {model.version}" if model is not None else
            f"suggestions: the lexicons (no model: --model none, or no release under {releases} holds one)")
    return (Scorer(model) if model is not None else None), said
