"""One line on stderr saying which step a long command is in and for how long: shown on a terminal, left
out when stderr is a log (tqdm's disable=None)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def step_line(desc: str) -> Iterator[Callable[[str], None]]:
    """Yields `step(name)`, which shows `name` as the step now running."""
    from tqdm import tqdm

    with tqdm(desc=desc, bar_format="{desc}{postfix} [{elapsed}]", file=sys.stderr, disable=None) as bar:
        yield lambda name: bar.set_postfix_str(name)


def quiet(name: str) -> None:
    """A `step` that shows nothing (a caller without a progress line)."""
