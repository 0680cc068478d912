"""What the batch stages share about running fast: the cyclic collector paused over a batch."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector switched off for a batch, then restored (even on error).

    Reading a workbook and scoring a circle each allocate thousands of small tuples, dicts
    and lists, none in a reference cycle (reference counting frees them all), yet each burst
    of allocations triggers collections that walk every live container, including all of the
    caller's earlier reports and input circles: about a fifth of a large batch's time went
    to finding no garbage. Left alone when the caller already manages the collector.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
