"""Training corpora as datatrove pipelines: a reader for the files people store text in, and the scan step.

Both are datatrove `PipelineStep`s, so any datatrove executor runs them unchanged: `LocalPipelineExecutor`
(one machine, its multiprocess pool) or `RayPipelineExecutor` (a Ray cluster); files are shared out between
tasks by datatrove (task r reads files r, r + tasks, ...). The list of files and the index travel inside
the pipeline, so nodes need to reach the corpus files and the output folder, nothing else.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import sys
import time
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
from fsspec.compression import compr  # noqa: E402
from fsspec.utils import infer_compression  # noqa: E402

from ..errors import SourceError  # noqa: E402
from ..schema import schemas  # noqa: E402
from .scan import Index, scan_documents  # noqa: E402

JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")  # .json too: a JSON Lines file often has that name, and a
# JSON array is then a problem named in the report, where read as plain text its escaped text (\u3042) would
# scan as clean
MAX_PROBLEMS = 20  # problems of one file listed one by one
BOM = b"\xef\xbb\xbf"
ROW_GROUP_LIMITS = 32  # a row group's text may hold this many times --max-document-mb (8 MB: 256 MB)
CHUNK = 1 << 20  # bytes read at a time, at most
LINE_END = re.compile(rb"\r\n|\r|\n")  # every convention: Unix, Windows, old Mac, and files mixing them


def lines(stream, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, the line's bytes without its line end) of a binary stream, never holding more than
    `limit` bytes of one line: a longer line (one 200 MB JSON record, a decompression bomb of zeros) is
    read past and given as None."""
    number, parts, size = 0, [], 0  # the pieces of the line being read, their size (None: over the limit)
    after_cr = False
    while chunk := stream.readline(CHUNK):  # up to a \n: what came before a broken end is still read
        if after_cr and chunk.startswith(b"\n"):  # the rest of a \r\n split between two reads
            chunk = chunk[1:]
        after_cr = chunk.endswith(b"\r")
        start = 0
        for end in LINE_END.finditer(chunk):
            number += 1
            size = add(parts, size, chunk[start:end.start()], limit)
            yield number, None if size is None else b"".join(parts)
            parts, size, start = [], 0, end.end()
        size = add(parts, size, chunk[start:], limit)
    if parts or size is None:
        yield number + 1, None if size is None else b"".join(parts)


def add(parts: list[bytes], size: int | None, piece: bytes, limit: int) -> int | None:
    """The line's size with `piece` added to its parts, or None (and no parts kept) once it is over `limit`."""
    if size is None or size + len(piece) > limit:
        parts.clear()
        return None
    if piece:
        parts.append(piece)
    return size + len(piece)


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

    def __init__(self, files: list[str], text_field: str = "text", max_document_bytes: int | None = None,
                 progress_folder: str | None = None):
        super().__init__("/", text_key=text_field, recursive=False)
        self.files = files
        self.text_field = text_field
        config = schemas().contamination
        self.limit = max_document_bytes or config["max_document_bytes"]
        self.progress = progress_folder  # where each task says how many bytes of its files it has read
        self.rank, self.done, self.raw, self.next_report = 0, 0, None, 0.0
        self.block_lines, self.overlap = config["text_block_lines"], config["block_overlap_lines"]
        if not 0 < self.overlap < self.block_lines:
            raise SourceError("schemas/contamination.yaml: block_overlap_lines must be above 0 and below "
                              "text_block_lines")

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        self.rank = rank
        yield from self.read_files_shard(self.files[rank::world_size])
        self.report_progress(final=True)

    def report_progress(self, final: bool = False) -> None:
        """At most once a second, the bytes of this task's files read so far (compressed bytes: the sizes
        the progress bar adds up), into the progress folder for the command's bar."""
        now = time.monotonic()
        if self.progress is None or not final and now < self.next_report:
            return
        self.next_report = now + 1
        try:
            done = self.done + (0 if final or self.raw is None else self.raw.tell())
        except (OSError, ValueError):  # the file is already closed
            done = self.done
        path = os.path.join(self.progress, f"{self.rank:05d}")
        with open(path + ".tmp", "w") as out:
            out.write(str(done))
        os.replace(path + ".tmp", path)

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
                self.report_progress()
        except Exception as exc:  # noqa: BLE001 (missing, unreadable, bad compression: zlib, lzma, zstd errors)
            yield problem(filepath, "file", f"cannot be read from there on ({type(exc).__name__})")
        with contextlib.suppress(OSError):
            self.done += os.path.getsize(filepath)
        self.raw = None
        if problems > MAX_PROBLEMS:
            yield problem(filepath, "file", f"{problems - MAX_PROBLEMS:,} more lines or rows like the above")

    @contextlib.contextmanager
    def open(self, path: str):
        """The file's bytes, decompressed as they are read. zstd through the zstandard package itself: every
        frame is read (fsspec's reader stops after the first, and cannot read lines)."""
        with self.data_folder.open(path.lstrip("/"), "rb") as raw:
            self.raw = raw  # its position is the progress through the file
            compression = infer_compression(path.lower())
            if compression == "zstd":
                import zstandard

                stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True))
            else:
                stream = compr[compression](raw, mode="rb") if compression else raw
            with stream:
                yield stream

    def too_long(self, path: str, where: str) -> Document:
        return problem(path, where, f"longer than {self.limit:,} bytes (--max-document-mb); not scanned")

    def read_jsonl(self, path: str) -> Iterator[Document]:
        with self.open(path) as stream:
            for number, raw in lines(stream, self.limit):
                if raw is None:
                    yield self.too_long(path, f"line {number}")
                    continue
                raw = raw.removeprefix(BOM)  # on any line: two files with BOMs concatenated
                if not raw.strip():
                    continue
                if number == 1 and raw.lstrip().startswith(b"["):
                    yield problem(path, "file", "one JSON array, not JSON Lines (one object per line); convert "
                                                "it first, e.g. jq -c '.[]'")
                    return
                try:
                    record = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    yield problem(path, f"line {number}", "not a JSON object")
                    continue
                text = record.get(self.text_field) if isinstance(record, dict) else None
                if not isinstance(text, str):
                    yield problem(path, f"line {number}", f"no text in field {self.text_field!r}")
                    continue
                yield Document(text=text, id=f"{path}:{number}", metadata={"file": path, "line": number})

    def read_parquet(self, path: str) -> Iterator[Document]:
        """One document per row, a few rows at a time. Each row group's text is sized from the file's metadata
        before it is read (a 500 MB text compresses to 16 KB): one whose texts average over the limit holds
        an over-long one, and one over ROW_GROUP_LIMITS limits cannot be read in bounded memory; each is a
        problem naming it, and the next row group is read."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        with self.open(path) as stream:
            parquet = pq.ParquetFile(stream)
            if self.text_field not in parquet.schema_arrow.names:
                yield problem(path, "file", f"no column {self.text_field!r}")
                return
            schema = parquet.metadata.schema  # the column's leaves: one, or more for a list or struct of texts
            leaves = [k for k in range(len(schema)) if schema.column(k).path.split(".")[0] == self.text_field]
            row = 0
            for group in range(parquet.metadata.num_row_groups):
                meta = parquet.metadata.row_group(group)
                size = sum(meta.column(k).total_uncompressed_size for k in leaves)  # what a read would hold
                if size > self.limit * max(1, min(meta.num_rows, ROW_GROUP_LIMITS)):
                    yield problem(path, f"row group {group + 1} (rows {row + 1} to {row + meta.num_rows})",
                                  f"{size:,} bytes of text, more than --max-document-mb allows to read at once "
                                  "(an over-long text, or a row group too large: write smaller ones); not scanned")
                    row += meta.num_rows
                    continue
                # Rows per read: a text held once in a dictionary is repeated in every row that uses it.
                rows = max(1, min(1024, 4 * self.limit // max(size, 1)))
                for batch in parquet.iter_batches(batch_size=rows, row_groups=[group], columns=[self.text_field]):
                    texts = batch.column(0)
                    if pa.types.is_dictionary(texts.type):
                        texts = texts.dictionary_decode()
                    textual = pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)
                    long = (pc.binary_length(texts).fill_null(0).to_numpy(zero_copy_only=False) > self.limit
                            if textual else np.zeros(len(texts), bool))
                    for text, too_long in zip(pc.if_else(long, None, texts).to_pylist() if long.any()
                                              else texts.to_pylist(), long):
                        row += 1
                        if too_long:
                            yield self.too_long(path, f"row {row}")
                        elif isinstance(text, str):
                            yield Document(text=text, id=f"{path}:{row}", metadata={"file": path, "row": row})
                        else:
                            yield problem(path, f"row {row}", f"no text in column {self.text_field!r}")

    def read_text(self, path: str) -> Iterator[Document]:
        """Blocks of `block_lines` lines (fewer when they reach the size limit in characters), each starting
        with the last `overlap` lines of the one before (fewer when those are long). If the file breaks off
        (bad compression), what was read before is still scanned."""
        block: list[str] = []
        first, kept, size = 1, 0, 0  # the block's first line; lines taken over from the one before; characters

        def last() -> Iterator[Document]:
            if block and (first == 1 or len(block) > kept):
                yield Document(text="\n".join(block), id=f"{path}:{first}",
                               metadata={"file": path, "line": first, "lines": True})

        try:
            with self.open(path) as stream:
                for number, raw in lines(stream, self.limit):
                    try:
                        block.append("" if raw is None else raw.decode("utf-8"))
                    except UnicodeDecodeError:
                        yield problem(path, f"line {number}", "not UTF-8 text")
                        block.append("")
                    if raw is None:
                        yield self.too_long(path, f"line {number}")
                    size += len(block[-1]) + 1
                    if len(block) >= self.block_lines + kept or size >= self.limit:
                        yield from last()
                        kept = self.overlap_of(block)
                        first += len(block) - kept
                        block = block[len(block) - kept:]
                        size = sum(len(line) + 1 for line in block)
        except Exception:
            yield from last()
            raise
        yield from last()

    def overlap_of(self, block: list[str]) -> int:
        """How many of the block's last lines the next block starts with: `overlap`, fewer if they hold
        more than a quarter of the size limit (a prompt broken across lines is short)."""
        kept, size = 0, 0
        for line in reversed(block[-self.overlap:]):
            size += len(line)
            if size > self.limit // 4 or kept == len(block) - 1:
                break
            kept += 1
        return kept


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
            out.write(json.dumps({"totals": totals, "worker": where_running()}) + "\n")
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



def where_running() -> dict:
    """Where a task runs: the host and, on Ray, its node's IP and id (nodes may share a host)."""
    node = {"host": socket.gethostname(), "ip": None, "node_id": None}
    ray = sys.modules.get("ray")  # imported in a Ray worker; never imported here for the local engine
    if ray is not None and ray.is_initialized():
        from ray.util import get_node_ip_address

        node.update(ip=get_node_ip_address(), node_id=ray.get_runtime_context().get_node_id())
    return node
