"""The running worker's row (pid, heartbeat, current job) for `queue_status` and tasks."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from plugin_core.utc import iso_utc
from sync_queue.sqlite_db import Store

STALE_AFTER_S = 30.0


class WorkerStatus(Store):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def started(self, now: float) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO worker_status VALUES (1, ?, ?, ?, NULL, 0)",
            (os.getpid(), now, now),
        )

    def heartbeat(self, now: float, current_job: str | None, processed: int) -> None:
        """The worker's main thread is this row's one writer: the sync thread never writes it."""
        self.conn.execute(
            "UPDATE worker_status SET heartbeat_at = ?, current_job = ?, processed = ? WHERE id = 1",
            (now, current_job, processed),
        )

    def stopped(self) -> None:
        self.conn.execute("DELETE FROM worker_status WHERE id = 1")

    def read(self, now: float) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT pid, started_at, heartbeat_at, current_job, processed FROM worker_status WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        pid, started, beat, job, processed = row
        return {
            "pid": pid,
            "started_at": iso_utc(started),
            "heartbeat_at": iso_utc(beat),
            "current_job": job,
            "processed": processed,
            "alive": beat is not None and now - beat < STALE_AFTER_S,
        }
