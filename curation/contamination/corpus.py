"""Training corpora as datatrove pipelines: a reader for the files people store text in, and the scan step.

Both are datatrove `PipelineStep`s, so any datatrove executor runs them unchanged: `LocalPipelineExecutor`
(one machine, its multiprocess pool) or `RayPipelineExecutor` (a Ray cluster); files are shared out between
tasks by datatrove (task r reads files r, r + tasks, ...). The list of files and the index travel inside
the pipeline, so nodes need to reach the corpus files and the output folder, nothing else.
"""

from __future__ import annotations

import io
import json
import os
import socket
from collections.abc import Iterator

# loguru (datatrove's logger) prints the local variables of a failing frame by default: a line of corpus
# text would end up in the logs. Set before datatrove imports it.
os.environ.setdefault("LOGURU_DIAGNOSE", "NO")

import numpy as np  # noqa: E402
import orjson  # noqa: E402
from datatrove.data import Document, DocumentsPipeline  # noqa: E402
from datatrove.io import get_datafolder  # noqa: E402
from datatrove.pipeline.base import PipelineStep  # noqa: E402
from datatrove.pipeline.readers.base import BaseDiskReader  # noqa: E402
from fsspec.utils import infer_compression  # noqa: E402

from ..errors import SourceError  # noqa: E402
from ..schema import schemas  # noqa: E402
from .scan import Index, scan_documents  # noqa: E402

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
MAX_PROBLEMS = 20  # problems of one file listed one by one
BOM = b"\xef\xbb\xbf"


def kind_of(path: str) -> str:
    """jsonl, parquet or text, by the file's name; a compression ending (.gz, .zst, .bz2, .xz, ...: whatever
    fsspec decompresses) is read through."""
    name = path.lower()
    if infer_compression(name) is not None:
        name = name.rsplit(".", 1)[0]
    if name.endswith(JSON_SUFFIXES):
        return "jsonl"
    return "parquet" if name.endswith(".parquet") else "text"


def problem(path: str, where: str, message: str) -> Document:
    """A document standing for what could not be read: the scan step reports it, nothing is skipped silently."""
    return Document(text="", id=f"{path}:{where}", metadata={"file": path, "problem": f"{where}: {message}"})


class CorpusReader(BaseDiskReader):
    """JSONL (one document per line, the text in `text_field`), Parquet (one per row) and plain text (blocks of
    lines: a document may run over many lines), each optionally .gz or .zst. `files` are absolute paths."""

    name = "📖 Corpus"

    def __init__(self, files: list[str], text_field: str = "text"):
        super().__init__("/", text_key=text_field, recursive=False)
        self.files = files
        self.text_field = text_field
        config = schemas().contamination
        self.block_lines, self.overlap = config["text_block_lines"], config["block_overlap_lines"]
        if not 0 < self.overlap < self.block_lines:
            raise SourceError("schemas/contamination.yaml: block_overlap_lines must be above 0 and below "
                              "text_block_lines")

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        yield from self.read_files_shard(self.files[rank::world_size])

    def read_file(self, filepath: str) -> Iterator[Document]:
        """The file's documents and, for what cannot be read, problem documents: the first MAX_PROBLEMS of a
        file one by one, then how many more (a corpus read with the wrong --text-field fails on every line)."""
        problems = 0
        try:
            for document in getattr(self, f"read_{kind_of(filepath)}")(filepath):
                if "problem" in document.metadata:
                    problems += 1
                    if problems > MAX_PROBLEMS:
                        continue
                yield document
        except Exception as exc:  # noqa: BLE001 (missing, unreadable, bad compression: zlib, lzma, zstd errors)
            yield problem(filepath, "file", f"cannot be read from there on ({type(exc).__name__})")
        if problems > MAX_PROBLEMS:
            yield problem(filepath, "file", f"{problems - MAX_PROBLEMS:,} more lines or rows like the above")

    def open(self, path: str):
        """The file's bytes, decompressed. zstd through the zstandard package itself: every frame is read
        (fsspec's reader stops after the first, and cannot read lines)."""
        if path.lower().endswith(".zst"):
            import zstandard

            raw = self.data_folder.open(path.lstrip("/"), "rb")
            return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True,
                                                                                closefd=True))
        return self.data_folder.open(path.lstrip("/"), "rb", compression="infer")

    def read_jsonl(self, path: str) -> Iterator[Document]:
        with self.open(path) as stream:
            for number, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    record = orjson.loads(raw.removeprefix(BOM) if number == 1 else raw)
                except orjson.JSONDecodeError:
                    yield problem(path, f"line {number}", "not a JSON object")
                    continue
                text = record.get(self.text_field) if isinstance(record, dict) else None
                if not isinstance(text, str):
                    yield problem(path, f"line {number}", f"no text in field {self.text_field!r}")
                    continue
                yield Document(text=text, id=f"{path}:{number}", metadata={"file": path, "line": number})

    def read_parquet(self, path: str) -> Iterator[Document]:
        import pyarrow.parquet as pq

        with self.open(path) as stream:
            parquet = pq.ParquetFile(stream)
            if self.text_field not in parquet.schema_arrow.names:
                yield problem(path, "file", f"no column {self.text_field!r}")
                return
            row = 0
            for batch in parquet.iter_batches(columns=[self.text_field]):
                for text in batch.column(0).to_pylist():
                    row += 1
                    if isinstance(text, str):
                        yield Document(text=text, id=f"{path}:{row}", metadata={"file": path, "row": row})
                    else:
                        yield problem(path, f"row {row}", f"no text in column {self.text_field!r}")

    def read_text(self, path: str) -> Iterator[Document]:
        """Blocks of `block_lines` lines, each starting `overlap` lines before the last one ended. If the file
        breaks off (bad compression), what was read before is still scanned."""
        block: list[str] = []
        first = 1

        def last() -> Iterator[Document]:
            if block and (first == 1 or len(block) > self.overlap):
                yield Document(text="\n".join(block), id=f"{path}:{first}",
                               metadata={"file": path, "line": first, "lines": True})

        try:
            with self.open(path) as stream:
                for number, raw in enumerate(stream, start=1):
                    try:
                        block.append(raw.decode("utf-8").rstrip("\r\n"))
                    except UnicodeDecodeError:
                        yield problem(path, f"line {number}", "not UTF-8 text")
                        block.append("")
                    if len(block) >= self.block_lines + (self.overlap if first > 1 else 0):
                        yield Document(text="\n".join(block), id=f"{path}:{first}",
                                       metadata={"file": path, "line": first, "lines": True})
                        first += len(block) - self.overlap
                        block = block[-self.overlap:]
        except Exception:
            yield from last()
            raise
        yield from last()


class ScanCorpus(PipelineStep):
    """Scans the documents it is given for the index's items and writes, per task, one JSON line per
    document with an item or the canary, one per problem, and a last line with the task's totals."""

    type = "🔎 - SCAN"
    name = "🔎 Contamination scan"

    def __init__(self, index: Index, output_folder: str):
        super().__init__()
        self.index = index
        self.output_folder = output_folder
        self.batch_characters = schemas().contamination["batch_characters"]

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        totals = {"documents": 0, "characters": 0, "problems": 0}
        with get_datafolder(self.output_folder).open(f"{rank:05d}.jsonl", "w", encoding="utf-8") as out:
            batch: list[Document] = []
            size = 0
            for document in data or []:
                if "problem" in document.metadata:
                    totals["problems"] += 1
                    out.write(json.dumps({"file": document.metadata["file"],
                                          "problem": document.metadata["problem"]}, ensure_ascii=False) + "\n")
                    continue
                batch.append(document)
                size += len(document.text)
                if size >= self.batch_characters:
                    self.scan(batch, out, totals)
                    batch, size = [], 0
            if batch:
                self.scan(batch, out, totals)
            # Where the task ran: the host and, on Ray, its node's raylet (nodes may share a host).
            worker = {"host": socket.gethostname(), "ray_raylet": os.environ.get("RAY_RAYLET_PID")}
            out.write(json.dumps({"totals": totals, "worker": worker}) + "\n")
        yield from ()

    def scan(self, batch: list[Document], out, totals: dict) -> None:
        with self.track_time():
            segments = [d.text.split("\n") if d.metadata.get("lines") else [d.text] for d in batch]
            found, canary = scan_documents(self.index, segments)
        totals["documents"] += len(batch)
        totals["characters"] += sum(len(d.text) for d in batch)
        self.stat_update("documents", value=len(batch))
        by_document: dict[int, list] = {}
        for f in found:
            by_document.setdefault(f.document, []).append(f)
        for k in sorted(set(by_document) | set(np.flatnonzero(canary).tolist())):
            meta = batch[k].metadata
            where = {"row": meta["row"]} if "row" in meta else {"line": meta["line"]}
            items = [{"id": self.index.ids[f.item], "split": self.index.splits[f.item],
                      "coverage": round(f.coverage, 4),
                      **({"line": meta["line"] + f.segment} if meta.get("lines") else {})}
                     for f in by_document.get(k, [])]
            out.write(json.dumps({"file": meta["file"], **where, "items": items, "canary": canary[k],
                                  **({"block": True} if meta.get("lines") else {})}, ensure_ascii=False) + "\n")

