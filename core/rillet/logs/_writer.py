"""Writing rows off the hot path: one background thread per process takes finished
streams from a queue, builds their rows and stores them. ``flush()`` waits for it;
it runs at interpreter exit too, so a short-lived CLI process loses nothing."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from typing import Any

from ._build import build_record
from ._observer import FinishedStream
from ._store import LogStore

__all__ = ["LogWriter", "flush", "writer"]

logger = logging.getLogger("rillet.logs")


class LogWriter:
    """A queue of finished streams and the daemon thread that stores them."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[str, FinishedStream, Any] | threading.Event] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stores: dict[str, LogStore] = {}
        self.failures = 0

    def submit(self, location: str, finished: FinishedStream, stream: Any) -> None:
        """Queue a finished stream for the store at ``location`` (returns at once)."""
        self._queue.put((location, finished, stream))
        self._ensure_thread()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every stream queued so far is stored; ``False`` if ``timeout`` ran out."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._queue.put(done)  # a marker: everything queued before it is stored when it is reached
        self._ensure_thread()
        return done.wait(timeout)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="rillet-log-writer", daemon=True)
                    self._thread.start()

    def close_stores(self) -> None:
        """Close the writer's connections (after a flush)."""
        for store in list(self._stores.values()):
            store.close()
        self._stores.clear()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
            else:
                self._write(*item)

    def _write(self, location: str, finished: FinishedStream, stream: Any) -> None:
        try:
            record = build_record(finished, stream)
            store = self._stores.get(location)
            if store is None:
                store = self._stores[location] = LogStore(location)
            store.add(record)
        except Exception as exc:  # logging must never break a stream, nor stop the writer
            self.failures += 1
            stale = self._stores.pop(location, None)
            if stale is not None:
                try:
                    stale.close()
                except Exception:
                    pass
            logger.warning("rillet could not log a stream: %s: %s", type(exc).__name__, exc)


_writer = LogWriter()


def writer() -> LogWriter:
    """The process's log writer."""
    return _writer


def flush(timeout: float | None = 10.0) -> bool:
    """Wait until every finished stream is in the log store; ``False`` on timeout."""
    return _writer.flush(timeout)


atexit.register(flush, 5.0)
