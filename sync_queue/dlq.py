"""The dead-letter queue: jobs that cannot succeed, kept for a person to review.

Its own SQLite database, so a problem with the queue never touches the record of
what failed. One row per scene: moving a job here twice (a crash between the
insert and the queue ack) updates the row instead of adding another.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plugin_core.data_dir import DLQ_DB
from plugin_core.utc import iso_utc
from sync_queue.job import Job
from sync_queue.sqlite_db import Store, connect, transaction

DLQ_SCHEMA = """
CREATE TABLE IF NOT EXISTS dead_letters (
    scene_id TEXT PRIMARY KEY,
    title TEXT,
    error_kind TEXT NOT NULL,
    message TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failure_at REAL NOT NULL,
    last_failure_at REAL NOT NULL,
    job TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class DeadLetter:
    scene_id: str
    title: str
    error_kind: str
    message: str
    attempts: int
    first_failure_at: float
    last_failure_at: float
    job: Job

    def summary(self) -> dict[str, object]:
        return {
            "scene_id": self.scene_id,
            "title": self.title,
            "error_kind": self.error_kind,
            "message": self.message,
            "attempts": self.attempts,
            "first_failure_at": iso_utc(self.first_failure_at),
            "last_failure_at": iso_utc(self.last_failure_at),
        }


class DeadLetterQueue(Store):
    def __init__(
        self, data_dir: Path, on_quarantine: Callable[[Path, Path], None] | None = None
    ) -> None:
        self.conn: sqlite3.Connection = connect(
            data_dir / DLQ_DB, DLQ_SCHEMA, on_quarantine, check_same_thread=False
        )

    def add(self, job: Job, title: str, kind: str, message: str, now: float) -> None:
        """Record the failure; idempotent per scene."""
        first = job.first_failure_at or now
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO dead_letters VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(scene_id) DO UPDATE SET title = excluded.title, "
                "error_kind = excluded.error_kind, message = excluded.message, "
                "attempts = excluded.attempts, last_failure_at = excluded.last_failure_at, "
                "job = excluded.job",
                (
                    job.scene_id,
                    title,
                    kind,
                    message,
                    job.attempt + 1,
                    first,
                    now,
                    job.to_json().decode(),
                ),
            )

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0])

    def latest(self, limit: int = 5) -> list[DeadLetter]:
        rows = self.conn.execute(
            "SELECT * FROM dead_letters ORDER BY last_failure_at DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_row(r) for r in rows]

    def counts_by_kind(self) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT error_kind, COUNT(*) FROM dead_letters GROUP BY error_kind"
        )
        return {kind: int(n) for kind, n in rows}

    def take_all(self) -> list[DeadLetter]:
        return [_row(r) for r in self.conn.execute("SELECT * FROM dead_letters ORDER BY scene_id")]

    def get(self, scene_id: str) -> DeadLetter | None:
        row = self.conn.execute(
            "SELECT * FROM dead_letters WHERE scene_id = ?", (scene_id,)
        ).fetchone()
        return _row(row) if row else None

    def contains(self, scene_id: str) -> bool:
        query = "SELECT 1 FROM dead_letters WHERE scene_id = ?"
        return self.conn.execute(query, (scene_id,)).fetchone() is not None

    def remove(self, scene_ids: list[str]) -> int:
        with transaction(self.conn):
            cur = self.conn.executemany(
                "DELETE FROM dead_letters WHERE scene_id = ?", [(s,) for s in scene_ids]
            )
        return cur.rowcount

    def clear(self) -> int:
        with transaction(self.conn):
            return self.conn.execute("DELETE FROM dead_letters").rowcount

    def purge_older_than(self, days: float, now: float) -> int:
        with transaction(self.conn):
            return self.conn.execute(
                "DELETE FROM dead_letters WHERE last_failure_at < ?", (now - days * 86400,)
            ).rowcount


def _row(row: tuple) -> DeadLetter:
    return DeadLetter(
        str(row[0]),
        row[1] or "",
        row[2],
        row[3],
        int(row[4]),
        row[5],
        row[6],
        Job.from_json(row[7]),
    )
