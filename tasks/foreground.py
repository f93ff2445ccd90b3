"""Draining the queue inside a task, or following the background worker's progress.

Only one process may consume the queue. A task that gets the lock drains in the
foreground with a progress bar; otherwise it reports the running worker's progress
until only jobs waiting for a retry remain. Either way, jobs left for later get a
background worker.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from plugin_core.data_dir import WORKER_LOCK
from plugin_core.launcher import ensure_worker
from plugin_core.lock import FileLock, is_locked
from sync_queue.job_queue import JobQueue
from tasks.errors import TaskError
from tasks.task_run import TaskRun
from worker.assembly import assembled_drain
from worker.drain import FOREGROUND, DrainResult

log = logging.getLogger("plexsync.task")
FOLLOW_POLL_S = 1.0


def drain_in_foreground(run: TaskRun, start: float = 0.0) -> dict[str, Any]:
    """Drain now; the progress bar runs from `start` to 1. Returns the CONTRACT's fields."""
    lock = FileLock(run.data_dir / WORKER_LOCK)
    if not lock.acquire():
        return follow_worker(run, start)
    ctx = run.ctx
    total = max(1, _pending(run))

    def report(result: DrainResult) -> None:
        run.progress(start + (1 - start) * min(1.0, result.processed / total))

    try:
        with JobQueue(run.data_dir) as queue:
            queue.resume_orphans()
        with assembled_drain(ctx, FOREGROUND, threading.Event(), progress=report) as drainer:
            result = drainer.run()
    finally:
        lock.release()
    run.progress(1.0)
    if result.remaining:
        ensure_worker(run.data_dir, run.server_connection)
    output = _fields(result)
    if result.stopped_reason:
        raise TaskError(f"{result.stopped_reason}; {result.remaining} job(s) stay queued", output)
    return output


def follow_worker(run: TaskRun, start: float) -> dict[str, Any]:
    """Another process holds the queue: show its progress until only retries remain."""
    log.info("a background worker is already syncing; following its progress")
    with JobQueue(run.data_dir) as queue:
        first = max(1, _pending(run))
        while True:
            counts = queue.counts(time.time())
            busy = counts.pending + counts.in_progress
            run.progress(start + (1 - start) * (1 - busy / max(first, busy)))
            if busy == 0:
                break
            if not is_locked(run.data_dir / WORKER_LOCK):
                return drain_in_foreground(run, start)
            time.sleep(FOLLOW_POLL_S * run.time_scale)
    run.progress(1.0)
    return {
        "synced": None,
        "failed": None,
        "dead_lettered": None,
        "remaining": counts.waiting_retry,
        "followed_worker": True,
    }


def _pending(run: TaskRun) -> int:
    with JobQueue(run.data_dir) as queue:
        counts = queue.counts(time.time())
    return counts.pending + counts.in_progress


def _fields(result: DrainResult) -> dict[str, Any]:
    return {
        "synced": result.synced,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "skipped_no_metadata": result.skipped_no_metadata,
        "failed": result.failed,
        "dead_lettered": result.dead_lettered,
        "remaining": result.remaining,
    }
