"""Run a producer one step ahead of its consumer, in a background thread.

While the database loads one chunk (the main thread mostly waits on the
socket, without the GIL), the next chunk is generated and encoded, so the
database and the generator use two cores at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ahead(produce: Callable[[], Iterator[T]], *, depth: int = 1) -> Iterator[T]:
    """Yield what ``produce()`` yields, computed up to ``depth`` items ahead in a
    thread. An error in the producer is raised in the consumer; when the consumer
    stops early the producer stops too."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in produce():
                if not put(item):
                    return
        except BaseException as error:  # handed over to the consumer
            put(_Failed(error))
            return
        put(_DONE)

    thread = threading.Thread(target=run, name="demo-generator", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
