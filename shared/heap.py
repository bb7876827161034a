"""The garbage collector, tuned for what a service and the audit commands do: objects that
live as long as the process are left out of collections, and a batch that makes and drops a
page at a time is collected seldom."""

import contextlib
import gc
from collections.abc import Iterator


def freeze_heap() -> None:
    """Leave what exists once a process has started (modules, models, the app) out of every
    later garbage collection: going over them all again is a pause every request in flight
    would wait out."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def batch_collections(young: int = 50_000) -> Iterator[None]:
    """Garbage collection for a batch that makes and drops a page of objects at a time (the
    audit commands over a whole log): the young generation is collected once `young` more
    objects are made than freed, not 700, so that the pages in flight are not gone over again
    and again. Memory stays bounded: garbage kept alive by a cycle still counts towards the
    threshold."""
    saved = gc.get_threshold()
    gc.set_threshold(young, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)
