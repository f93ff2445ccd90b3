"""Tasks about the queue itself: drain it now, or show its state."""

from __future__ import annotations

import logging
import time
from typing import Any

from plugin_core.utc import iso_utc
from sync_queue import outbox
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from tasks.foreground import drain_in_foreground
from tasks.task_run import TaskRun
from worker.circuit_breaker import CircuitBreaker
from worker.stats import Stats
from worker.status import WorkerStatus

log = logging.getLogger("plexsync.task")
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
        status = {
            "pending": counts.pending,
            "in_progress": counts.in_progress,
            "waiting_retry": counts.waiting_retry,
            "next_retry_at": _next_retry(queue, now),
            "dead_letters": dlq.count(),
            "dead_letters_latest": [d.summary() for d in dlq.latest(DLQ_SHOWN)],
            "circuit": CircuitBreaker(state).load(now).state,
            "last_success_at": stats["last_success_at"],
            "worker": WorkerStatus(state).read(now),
            "worker_last_error": _notice(state, outbox.WORKER_LAST_ERROR),
            "settings_problem": _notice(state, outbox.SETTINGS_PROBLEM),
            "stats": stats,
        }
    finally:
        for db in (queue, dlq, state):
            db.close()
    log.info("%s", summary_line(status))
    return status


def summary_line(status: dict[str, Any]) -> str:
    """The one line Stash shows at its default Info level."""
    worker = status["worker"]
    line = (
        f"queue: {status['pending']} pending, {status['in_progress']} in progress, "
        f"{status['waiting_retry']} waiting to retry, {status['dead_letters']} dead letter(s); "
        f"Plex circuit {status['circuit']}; worker "
        + ("running" if worker and worker["alive"] else "not running")
    )
    if status["settings_problem"]:
        line += f"; cannot sync: {status['settings_problem']['message']}"
    elif status["worker_last_error"]:
        error = status["worker_last_error"]
        line += f"; last worker error at {error['at']}: {error['message']}"
    return line


def _notice(state: Any, key: str) -> dict[str, Any] | None:
    found = outbox.get_notice(state, key)
    if found is None:
        return None
    return {"message": found[0], "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(found[1]))}


def _next_retry(queue: JobQueue, now: float) -> str | None:
    due = queue.next_due_at()
    if due is None or due <= now:
        return None
    return iso_utc(due)
