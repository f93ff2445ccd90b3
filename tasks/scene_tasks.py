"""Tasks for Stash's UI and for scripts: one scene now, one dead letter, the lists, an empty queue.

Each touches only the local databases and, when it queued something, makes sure a
worker runs; none waits for Plex. So the buttons in the UI answer at once and the
panel follows the sync with `scene_status`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from plugin_core.launcher import ensure_worker
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue
from sync_queue.queue_admin import delete_waiting
from tasks.scene_status import scene_id_arg
from tasks.task_run import TaskRun

log = logging.getLogger("plexsync.task")


def sync_scene(run: TaskRun) -> dict[str, Any]:
    """Queue one scene now (the panel's "Sync now"); a retry waiting for it runs now too."""
    scene_id = scene_id_arg(run)
    queue = JobQueue(run.data_dir)
    try:
        queue.enqueue([Job(scene_id=scene_id, event="sync_scene", enqueued_at=time.time())])
    finally:
        queue.close()
    ensure_worker(run.data_dir, run.server_connection)
    log.info("scene %s queued for Plex", scene_id)
    return {"scene_id": scene_id, "queued": 1}


def retry_dead_letter(run: TaskRun) -> dict[str, Any]:
    """Queue one dead letter again as a fresh job (attempts reset) and start a worker."""
    scene_id = scene_id_arg(run)
    dlq, queue = DeadLetterQueue(run.data_dir), JobQueue(run.data_dir)
    try:
        letter = dlq.get(scene_id)
        if letter is not None:
            job = Job(scene_id=scene_id, event="retry_dead_letter", enqueued_at=time.time())
            queue.enqueue([job])
            dlq.remove([scene_id])
    finally:
        dlq.close()
        queue.close()
    if letter is None:
        log.info("scene %s is not in the dead-letter queue; nothing to retry", scene_id)
        return {"scene_id": scene_id, "requeued": 0}
    ensure_worker(run.data_dir, run.server_connection)
    log.info("scene %s: dead letter queued again", scene_id)
    return {"scene_id": scene_id, "requeued": 1}


def list_dead_letters(run: TaskRun) -> dict[str, Any]:
    """The dead letters, newest first, at most `args.limit` (default 100)."""
    limit = int(run.number_arg("limit", 100, 1, 10000))
    dlq = DeadLetterQueue(run.data_dir)
    try:
        total, letters = dlq.count(), dlq.latest(limit)
    finally:
        dlq.close()
    items = [
        {
            "scene_id": d.scene_id,
            "title": d.title,
            "error": d.message,
            "error_kind": d.error_kind,
            "failed_at": d.summary()["last_failure_at"],
            "attempts": d.attempts,
        }
        for d in letters
    ]
    log.info("%d dead letter(s)", total)
    return {"total": total, "items": items}


def clear_queue(run: TaskRun) -> dict[str, Any]:
    """Delete every job waiting in the queue; dead letters and sync history stay."""
    queue = JobQueue(run.data_dir)
    try:
        deleted, taken = delete_waiting(queue.conn)
    finally:
        queue.close()
    if taken:
        log.info("deleted %d queued job(s); %d being synced now will finish", deleted, taken)
    else:
        log.info("deleted %d queued job(s)", deleted)
    return {"deleted": deleted, "in_progress": taken}
