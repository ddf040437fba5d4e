"""Work split between forked worker processes, for the stages whose cost is Python or MeCab (which hold
the GIL): workers inherit the parent's memory (`SHARED` and every cache), so only the parts and the
results are pickled. Results come back in the order of the parts: the output is the same as one
process's."""

from __future__ import annotations

import multiprocessing
import os

from .schema import schemas

CORES = min(schemas().tuning["workers"]["max_cores"], os.cpu_count() or 1)
SHARED: tuple | None = None  # what the running job reads


def in_workers(job, parts: list, shared: tuple) -> list:
    """job(part) for every part, in CORES forked processes (in this one when there is one core)."""
    global SHARED
    SHARED = shared
    try:
        if CORES < 2:
            return [job(part) for part in parts]
        with multiprocessing.get_context("fork").Pool(CORES) as pool:
            return pool.map(job, parts)
    finally:
        SHARED = None
