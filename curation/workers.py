"""Work split between forked worker processes, for the stages whose cost is Python or MeCab (which hold
the GIL): workers inherit the parent's memory (`SHARED` and every cache), so only the parts and the
results are pickled. Results come back in the order of the parts: the output is the same as one
process's. A worker that dies (killed for memory, a crash in a C library) makes the job fail with
BrokenProcessPool rather than wait for ever, which multiprocessing.Pool would."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from .schema import schemas

CORES = min(schemas().tuning["workers"]["max_cores"], os.cpu_count() or 1)
SHARED: tuple | None = None  # what the running job reads


def in_workers(job, parts: list, shared: tuple) -> list:
    """job(part) for every part, in CORES forked processes (in this one when there is one core)."""
    with started(shared) as pool:
        return list(pool.map(job, parts)) if pool else [job(part) for part in parts]


@contextlib.contextmanager
def started(shared: tuple, warm=None):
    """CORES forked worker processes that read `shared`, started now so that their start (and `warm`, run in
    each: loading a dictionary) overlaps what this process does before it hands them work; None when there
    is one core."""
    global SHARED
    SHARED = shared
    try:
        if CORES < 2:
            yield None
            return
        with ProcessPoolExecutor(CORES, mp_context=multiprocessing.get_context("fork"), initializer=warm) as pool:
            pool.submit(int)  # forks every worker now (with fork, the executor starts them all at once)
            yield pool
    finally:
        SHARED = None
