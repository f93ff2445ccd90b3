"""The worker's side of the queue: take due jobs, settle them, count them.

The table is persist-queue's `SQLiteAckQueue` (`ack_queue_default`); only the one
worker holding the lock consumes it, and it opens the queue with
`auto_resume=False` so opening never resets another process's in-flight jobs.
Claims and acks are done for a whole batch in one transaction (persist-queue's
`get()` commits once per row), with persist-queue's own status codes. A retry is
an ack plus a new row due later, in one transaction: nothing spins, nothing is
lost. All rows of one scene are claimed together, so one pass settles them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sync_queue.data_dir import QUEUE_DB
from sync_queue.enqueue import (
    STATUS_ACKED,
    STATUS_FAILED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_READY,
    TABLE,
    insert_jobs,
    open_queue_db,
)
from sync_queue.job import Job
from sync_queue.sqlite_db import transaction

READY = (STATUS_NEW, STATUS_READY)


@dataclass(frozen=True)
class ClaimedScene:
    """All queued rows of one scene, taken together; `job` is the one that leads."""

    scene_id: str
    row_ids: tuple[int, ...]
    job: Job


@dataclass(frozen=True)
class QueueCounts:
    pending: int
    in_progress: int
    waiting_retry: int


class JobQueue:
    """Queue operations for the single consumer (and read-only counts for anyone)."""

    def __init__(
        self, data_dir: Path, on_quarantine: Callable[[Path, Path], None] | None = None
    ) -> None:
        self.path = data_dir / QUEUE_DB
        self.conn = open_queue_db(self.path, on_quarantine, check_same_thread=False)

    def close(self) -> None:
        self.conn.close()

    def resume_orphans(self) -> int:
        """Return jobs a dead worker left in progress to the queue (lock holder only)."""
        import persistqueue
        from persistqueue.serializers import json as pq_json

        pq = persistqueue.SQLiteAckQueue(
            str(self.path.parent),
            db_file_name=self.path.name,
            auto_resume=False,
            serializer=pq_json,
            multithreading=True,
        )
        try:
            orphans = pq.unack_count()
            pq.resume_unack_tasks()
            pq.clear_acked_data(max_delete=0, keep_latest=0)
        finally:
            pq.close()
        return orphans

    def enqueue(self, jobs: Iterable[Job]) -> int:
        return insert_jobs(self.conn, jobs)

    def take_due(self, now: float, limit: int) -> list[ClaimedScene]:
        """Claim up to `limit` scenes that have a job due now, with all their queued rows."""
        rows = self.conn.execute(
            f"SELECT _id, data, timestamp FROM `{TABLE}` WHERE status IN (?, ?) ORDER BY _id",
            READY,
        ).fetchall()
        by_scene: dict[str, list[tuple[int, Job, float]]] = {}
        due: list[str] = []
        unreadable: list[int] = []
        for row_id, data, due_at in rows:
            job = _decode(data)
            if job is None:
                unreadable.append(row_id)
                continue
            by_scene.setdefault(job.scene_id, []).append((row_id, job, due_at))
            if due_at <= now and job.scene_id not in due and len(due) < limit:
                due.append(job.scene_id)
        claimed = [_combine(scene_id, by_scene[scene_id]) for scene_id in due]
        ids = [row_id for scene in claimed for row_id in scene.row_ids]
        if ids or unreadable:
            with transaction(self.conn):
                self._mark(ids, STATUS_IN_PROGRESS)
                self._mark(unreadable, STATUS_FAILED)
        return claimed

    def ack(self, scene: ClaimedScene) -> None:
        with transaction(self.conn):
            self._mark(scene.row_ids, STATUS_ACKED)

    def retry_later(self, scene: ClaimedScene, job: Job) -> None:
        """Settle the claimed rows and queue `job` (due at `job.not_before`) atomically."""
        with transaction(self.conn):
            self._mark(scene.row_ids, STATUS_ACKED)
            self.conn.execute(
                f"INSERT INTO `{TABLE}` (data, timestamp, status) VALUES (?, ?, ?)",
                (job.to_json(), job.not_before, STATUS_NEW),
            )

    def release(self, scenes: Iterable[ClaimedScene]) -> None:
        """Give claimed rows back untouched (the worker is stopping)."""
        ids = [i for scene in scenes for i in scene.row_ids]
        with transaction(self.conn):
            self._mark(ids, STATUS_READY)

    def next_due_at(self) -> float | None:
        row = self.conn.execute(
            f"SELECT MIN(timestamp) FROM `{TABLE}` WHERE status IN (?, ?)", READY
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def counts(self, now: float) -> QueueCounts:
        row = self.conn.execute(
            f"SELECT SUM(status IN (0, 1) AND timestamp <= ?), SUM(status = ?), "
            f"SUM(status IN (0, 1) AND timestamp > ?) FROM `{TABLE}`",
            (now, STATUS_IN_PROGRESS, now),
        ).fetchone()
        return QueueCounts(*(int(v or 0) for v in row))

    def purge_acked(self) -> None:
        with transaction(self.conn):
            self.conn.execute(f"DELETE FROM `{TABLE}` WHERE status = ?", (STATUS_ACKED,))

    def _mark(self, ids: Iterable[int], status: int) -> None:
        self.conn.executemany(
            f"UPDATE `{TABLE}` SET status = ? WHERE _id = ?", [(status, i) for i in ids]
        )


def _decode(data: bytes | str) -> Job | None:
    try:
        return Job.from_json(data)
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None


def _combine(scene_id: str, rows: list[tuple[int, Job, float]]) -> ClaimedScene:
    """One job for the scene: the most advanced retry state, the earliest enqueue time."""
    lead = max(rows, key=lambda r: (r[1].attempt, r[0]))[1]
    first = min(r[1].enqueued_at for r in rows)
    job = lead._replace(enqueued_at=first)
    return ClaimedScene(scene_id, tuple(r[0] for r in rows), job)
