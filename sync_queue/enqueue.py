"""The hook's write: one job row into persist-queue's table, with the standard library.

persist-queue (pinned in requirements.txt) costs ~100 ms to import because its
package imports asyncio; the hook cannot afford that. The row written here is the
one `SQLiteAckQueue.put()` would write: table `ack_queue_default`, JSON bytes in
`data`, status 0 (new). The one difference is deliberate: `timestamp` holds the
time the job becomes due, which the worker uses to skip jobs waiting for a retry.
A test proves `SQLiteAckQueue.get()` returns exactly what this module wrote.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from sync_queue.job import Job
from sync_queue.sqlite_db import DatabaseFullError, StrPath, connect, is_disk_full, transaction

TABLE = "ack_queue_default"
STATUS_NEW = 0
STATUS_READY = 1
STATUS_IN_PROGRESS = 2
STATUS_ACKED = 5
STATUS_FAILED = 9

QUEUE_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS `{TABLE}` ("
    "_id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB, timestamp FLOAT, status INTEGER);"
)


def open_queue_db(
    path: StrPath,
    on_quarantine: Callable[[StrPath, StrPath], None] | None = None,
    check_same_thread: bool = True,
) -> sqlite3.Connection:
    return connect(path, QUEUE_SCHEMA, on_quarantine, check_same_thread)


def insert_jobs(conn: sqlite3.Connection, jobs: Iterable[Job]) -> int:
    """Append jobs in one transaction; raise DatabaseFullError when the disk is full."""
    rows = [(job.to_json(), job.not_before or job.enqueued_at, STATUS_NEW) for job in jobs]
    try:
        with transaction(conn):
            conn.executemany(
                f"INSERT INTO `{TABLE}` (data, timestamp, status) VALUES (?, ?, ?)", rows
            )
    except sqlite3.OperationalError as exc:
        if is_disk_full(exc):
            raise DatabaseFullError(str(exc)) from None
        raise
    return len(rows)


def enqueue(
    queue_db: StrPath, job: Job, on_quarantine: Callable[[StrPath, StrPath], None] | None = None
) -> None:
    """Open, append one job, close: everything the hook does to the queue."""
    conn = open_queue_db(queue_db, on_quarantine)
    try:
        insert_jobs(conn, [job])
    finally:
        conn.close()
