"""Database writes on a thread of their own, for a front end that must never stall.

A bot answers many members from one event loop. SQLite lets one connection write at a time, and
another process (a `glossary-bot load`, a second bot) may hold the write lock for a while: a
write that waited for it on the event loop would freeze every other answer with it. Writes that
find the database busy wait here instead, on their own thread and connection, one after another
in the order they were asked for, while answers keep being read on the event loop (WAL readers
never wait for a writer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from bot.core.store import Store

T = TypeVar("T")


class StoreWriter:
    def __init__(self, path: str | Path, *, busy_timeout: float):
        self.path = path
        self.busy_timeout = busy_timeout
        self._store: Store | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="glossary-writer")

    def submit(self, work: Callable[[Store], T]) -> asyncio.Future[T]:
        """Queue `work` for the writer's store, after all the work queued before it."""
        return asyncio.get_running_loop().run_in_executor(self._thread, self._call, work)

    def _call(self, work: Callable[[Store], T]) -> T:
        if self._store is None:
            # Made on the thread that uses it.
            self._store = Store(self.path, busy_timeout=self.busy_timeout)
        return work(self._store)

    def close(self) -> None:
        """Finish every write already asked for, then close: a stopping bot loses nothing."""
        self._thread.submit(self._close).result()
        self._thread.shutdown(wait=True)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
