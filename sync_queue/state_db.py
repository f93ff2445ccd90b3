"""The state database: what was sent to Plex, the Plex index, breaker, counters, worker.

One SQLite file shared by the worker, the tasks and `queue_status`, so every process
sees the same breaker and the same history. Its content can always be rebuilt (the
index from Plex, the sync records by `sync_all`), so a corrupt file is simply moved
aside and started afresh.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from plugin_core.data_dir import STATE_DB
from sync_queue.outbox import OUTBOX_SCHEMA
from sync_queue.scene_outcomes import OUTCOMES_SCHEMA
from sync_queue.sqlite_db import connect

STATE_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS sync_records (
    scene_id TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    rating_key TEXT NOT NULL,
    synced_at REAL NOT NULL,
    poster_sha TEXT,
    studio_sent TEXT
);
CREATE TABLE IF NOT EXISTS written_values (
    rating_key TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (rating_key, field)
);
CREATE TABLE IF NOT EXISTS folder_scans (
    folder TEXT PRIMARY KEY,
    section TEXT,
    requested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS plex_files (
    path TEXT NOT NULL,
    folded TEXT NOT NULL,
    basename TEXT NOT NULL,
    size INTEGER NOT NULL,
    rating_key TEXT NOT NULL,
    section TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plex_files_path ON plex_files(path);
CREATE INDEX IF NOT EXISTS plex_files_folded ON plex_files(folded);
CREATE INDEX IF NOT EXISTS plex_files_basename ON plex_files(basename);
CREATE INDEX IF NOT EXISTS plex_files_key ON plex_files(rating_key);
CREATE INDEX IF NOT EXISTS plex_files_section ON plex_files(section);
CREATE TABLE IF NOT EXISTS plex_sections (
    key TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    locations TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    item_files INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE IF NOT EXISTS breaker (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    state TEXT NOT NULL,
    failures INTEGER NOT NULL,
    opened_at REAL,
    next_probe_at REAL,
    probes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_times (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    seconds REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS worker_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER,
    started_at REAL,
    heartbeat_at REAL,
    current_job TEXT,
    processed INTEGER
);
"""
    + OUTCOMES_SCHEMA
)


def open_state_db(
    data_dir: Path,
    on_quarantine: Callable[[Path, Path], None] | None = None,
    check_same_thread: bool = True,
) -> sqlite3.Connection:
    return connect(
        data_dir / STATE_DB,
        STATE_SCHEMA + OUTBOX_SCHEMA,
        on_quarantine,
        check_same_thread,
        durable=False,
    )


def kv_get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def kv_set(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))
