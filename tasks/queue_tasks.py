"""Tasks about the queue itself: drain it now, or show its state."""

from __future__ import annotations

import time
from typing import Any

from plugin_core.utc import iso_utc
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from tasks.foreground import drain_in_foreground
from tasks.task_run import TaskRun
from worker.circuit_breaker import CircuitBreaker
from worker.stats import Stats
from worker.status import WorkerStatus

DLQ_SHOWN = 5


def process_queue(run: TaskRun) -> dict[str, Any]:
    return drain_in_foreground(run)


def queue_status(run: TaskRun) -> dict[str, Any]:
    """Counts and health, read from the databases only (works with Stash or Plex down)."""
    now = time.time()
    queue, dlq, state = (
        JobQueue(run.data_dir),
        DeadLetterQueue(run.data_dir),
        open_state_db(run.data_dir),
    )
    try:
        counts = queue.counts(now)
        stats = Stats(state).snapshot()
        return {
            "pending": counts.pending,
            "in_progress": counts.in_progress,
            "waiting_retry": counts.waiting_retry,
            "next_retry_at": _next_retry(queue, now),
            "dead_letters": dlq.count(),
            "dead_letters_latest": [d.summary() for d in dlq.latest(DLQ_SHOWN)],
            "circuit": CircuitBreaker(state).load(now).state,
            "last_success_at": stats["last_success_at"],
            "worker": WorkerStatus(state).read(now),
            "stats": stats,
        }
    finally:
        for db in (queue, dlq, state):
            db.close()


def _next_retry(queue: JobQueue, now: float) -> str | None:
    due = queue.next_due_at()
    if due is None or due <= now:
        return None
    return iso_utc(due)
