"""What tasks ask of the queue besides taking jobs: one scene's jobs, and emptying it.

The worker is the queue's only consumer (sync_queue/job_queue.py); these read or
delete rows it has not taken. Rows the worker holds (`in_progress`) are never
deleted: it settles them itself, and a row it remembers but finds deleted is
simply dropped when it claims its batch.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sync_queue.enqueue import STATUS_IN_PROGRESS, STATUS_NEW, STATUS_READY, TABLE
from sync_queue.job import Job
from sync_queue.sqlite_db import transaction

PENDING = "pending"
IN_PROGRESS = "in_progress"
WAITING_RETRY = "waiting_retry"


@dataclass(frozen=True)
class SceneInQueue:
    """A scene's open jobs, summed up: the furthest retry, when it is due, its state."""

    state: str
    due_at: float
    job: Job


def scene_in_queue(conn: sqlite3.Connection, scene_id: str, now: float) -> SceneInQueue | None:
    """The scene's open jobs (one scan of the open rows, in SQL), or None when it has none."""
    rows = conn.execute(
        f"SELECT data, timestamp, status FROM `{TABLE}` WHERE status IN (?, ?, ?) "
        "AND CAST(json_extract(CAST(data AS TEXT), '$.scene_id') AS TEXT) = ?",
        (STATUS_NEW, STATUS_READY, STATUS_IN_PROGRESS, scene_id),
    ).fetchall()
    jobs = []
    for data, due_at, status in rows:
        try:
            jobs.append((Job.from_json(data), float(due_at or 0), status))
        except (ValueError, KeyError, TypeError):
            continue
    if not jobs:
        return None
    lead = max(jobs, key=lambda j: j[0].attempt)[0]
    due = min(j[1] for j in jobs)
    if any(j[2] == STATUS_IN_PROGRESS for j in jobs):
        state = IN_PROGRESS
    else:
        state = PENDING if due <= now else WAITING_RETRY
    return SceneInQueue(state, due, lead)


def delete_waiting(conn: sqlite3.Connection) -> tuple[int, int]:
    """Delete every job not taken by a worker; returns (deleted, left in progress)."""
    with transaction(conn):
        deleted = conn.execute(
            f"DELETE FROM `{TABLE}` WHERE status IN (?, ?)", (STATUS_NEW, STATUS_READY)
        ).rowcount
        taken = conn.execute(
            f"SELECT COUNT(*) FROM `{TABLE}` WHERE status = ?", (STATUS_IN_PROGRESS,)
        ).fetchone()[0]
    return deleted, int(taken)
