"""Tasks for the dead-letter queue: send everything back, delete everything, or the old."""

from __future__ import annotations

import logging
import time
from typing import Any

from plugin_core.launcher import ensure_worker
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue
from tasks.task_run import TaskRun

log = logging.getLogger("plexsync.task")


def retry_dead_letters(run: TaskRun) -> dict[str, Any]:
    """Queue every dead letter again as a fresh job (attempts reset) and start a worker."""
    dlq, queue = DeadLetterQueue(run.data_dir), JobQueue(run.data_dir)
    try:
        letters = dlq.take_all()
        now = time.time()
        queue.enqueue(
            Job(scene_id=d.scene_id, event="retry_dead_letters", enqueued_at=now) for d in letters
        )
        dlq.remove([d.scene_id for d in letters])
    finally:
        dlq.close()
        queue.close()
    if letters:
        ensure_worker(run.data_dir, run.server_connection)
    log.info("requeued %d dead letter(s)", len(letters))
    return {"requeued": len(letters)}


def clear_dead_letters(run: TaskRun) -> dict[str, Any]:
    dlq = DeadLetterQueue(run.data_dir)
    try:
        deleted = dlq.clear()
    finally:
        dlq.close()
    log.info("deleted %d dead letter(s)", deleted)
    return {"deleted": deleted}


def purge_dead_letters(run: TaskRun) -> dict[str, Any]:
    """Delete dead letters older than `args.days` (default: the dlqRetentionDays setting)."""
    if "days" in run.args:
        days = run.number_arg("days", 30, 0, 3650)
    else:
        days = run.ctx.settings.dlq_retention_days
    dlq = DeadLetterQueue(run.data_dir)
    try:
        deleted = dlq.purge_older_than(days, time.time())
    finally:
        dlq.close()
    log.info("deleted %d dead letter(s) older than %g day(s)", deleted, days)
    return {"deleted": deleted, "days": days}
