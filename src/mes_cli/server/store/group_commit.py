"""Group commit: uploads that arrive together are committed in one write transaction, by one thread.

Why: an upload is acknowledged only once its bytes and its row are durable. Done one by one,
concurrent uploads queue on SQLite's write lock, whose busy handler sleeps (1, 2, 5 … ms)
instead of waiting its turn, and each pays a transaction of its own: more threads made uploads
no faster. Here each request thread receives its body, fsyncs it and puts it durably at its
final name (``BlobStore.place``: these fsyncs overlap with the other uploads' work, and
concurrent ones share the file system's journal commits), then queues its write. The first
request thread to find no commit under way becomes the committer (the "leader", as in MySQL's
binary-log group commit: no thread of its own to wake, and a lone upload commits at once) and,
for every upload queued, in ONE write transaction:

1. runs each upload's own write (``blobs`` and ``documents`` rows, the event; the file put
   back should a concurrent deletion have removed it) in a savepoint of its own: one that
   fails (a reused idempotency key, a disk error on its file) is undone alone and answered
   with its error, the others go on;
2. COMMITs, then answers each waiting request, and hands the role to one of the requests
   that queued meanwhile (the next batch).

The crash guarantees are those of one upload: a crash before the COMMIT leaves files that no
row names (``collect_garbage`` removes them) and has answered nobody; after it, every row has
its bytes on disk. Nobody waits for a batch to fill: a batch is whatever queued while the
previous one was being committed. The COMMIT is as durable as any of this store's (SQLite in
WAL mode, ``synchronous=NORMAL``: it survives the process being killed at any moment).

SQLite only: on PostgreSQL (``for_context`` answers None) each upload commits on its own, as
before — its server has no single write lock to queue on, and its many workers each commit.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

MAX_BATCH = 256  # a bound on one transaction's size; several batches follow each other otherwise
# Tests only (development servers only): "N:PATH" stalls the committer for ever once N uploads are
# committed, in the next batch of two or more, its files fsynced and in place, its rows written and
# not committed, having written PATH (how many uploads that batch holds): a SIGKILL then lands in the
# middle of a group commit.
STALL_ENV = "MES_TEST_GROUP_COMMIT_STALL"


@dataclass
class _Job:
    write: Callable[[Any], Any]  # runs in the batch's transaction, given its connection; returns the outcome
    context: contextvars.Context  # the request's (language, acting as a representative…)
    done: bool = False
    outcome: Any = None
    error: BaseException | None = None


class GroupCommitter:
    """The group commit of one store, for every request thread of this process."""

    def __init__(self, store, stall: str | None = None) -> None:
        self.store = store
        self._lock = threading.Condition()
        self._queue: list[_Job] = []
        self._leading = False  # a thread is committing a batch
        self._committed = 0
        self._stall = _parse_stall(stall)

    def run(self, write: Callable[[Any], Any]) -> Any:
        """Commits one upload with whatever else is queued; returns what ``write`` returned, or raises
        what it raised (or what failed the whole batch), once the transaction is over. ``write`` gets the
        connection."""
        job = _Job(write, contextvars.copy_context())
        with self._lock:
            self._queue.append(job)
            if self._stall:
                self._lock.notify_all()
            while self._leading and not job.done:
                self._lock.wait()
            if not job.done:  # no commit under way: this thread commits all that is queued, its own job too
                self._leading = True
                if self._stall and self._committed >= self._stall[0]:
                    self._lock.wait_for(lambda: len(self._queue) >= 2)
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        if not job.done:
            try:
                self._commit(batch)
            finally:
                with self._lock:
                    for queued in batch:
                        queued.done = True
                    self._leading = False
                    self._lock.notify_all()  # the answered return; one of the others leads the next batch
        if job.error is not None:
            raise job.error
        return job.outcome

    def _commit(self, batch: list[_Job]) -> None:
        """One transaction for the batch; each job ends with its outcome or its error."""
        done: list[_Job] = []
        try:
            with self.store.transaction():
                for job in batch:
                    try:
                        with self.store.savepoint() as conn:
                            job.outcome = job.context.run(job.write, conn)
                        done.append(job)
                    except Exception as exc:  # noqa: BLE001 - answered to its own request
                        job.error = exc
                self._stall_here(len(done))
        except BaseException as exc:  # the transaction as a whole failed: nothing of it was committed
            for job in batch:
                if job.error is None:
                    job.outcome, job.error = None, exc
            if not isinstance(exc, Exception):
                raise
            return
        self._committed += len(done)

    def _stall_here(self, size: int) -> None:
        if self._stall and self._committed >= self._stall[0] and size >= 2:
            Path(self._stall[1]).write_text(str(size))
            while True:
                time.sleep(3600)


def _parse_stall(value: str | None) -> tuple[int, str] | None:
    if not value:
        return None
    count, _, path = value.partition(":")
    return int(count), path


_committers_lock = threading.Lock()


def for_context(ctx) -> GroupCommitter | None:
    """The committer of this server's store, or None where uploads commit one by one: on PostgreSQL,
    and inside a write transaction the caller already holds (the batch would wait for it)."""
    store = ctx.store
    if store.backend != "sqlite" or store.conn.in_transaction:
        return None
    committer = store.group_committer
    if committer is None:
        with _committers_lock:
            if store.group_committer is None:
                stall = os.environ.get(STALL_ENV) if ctx.settings.dev else None
                store.group_committer = GroupCommitter(store, stall)
            committer = store.group_committer
    return committer
