"""Counters and timings that `queue_status` shows: what the plugin has done lately.

Kept in the state database so they survive worker restarts and every process adds
to the same numbers.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from plugin_core.utc import iso_utc
from sync_queue.sqlite_db import transaction
from sync_queue.state_db import kv_get, kv_set

TIMINGS_KEPT = 1000


class Stats:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def incr(self, name: str, amount: int = 1) -> None:
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            (name, amount),
        )

    def record_sync(self, counter: str, seconds: float, now: float) -> None:
        """Count one scene that reached Plex, as `synced` or `unchanged` (never both)."""
        with transaction(self.conn):
            self.incr(counter)
            self.conn.execute("INSERT INTO sync_times (at, seconds) VALUES (?, ?)", (now, seconds))
            self.conn.execute(
                "DELETE FROM sync_times WHERE id <= (SELECT MAX(id) FROM sync_times) - ?",
                (TIMINGS_KEPT,),
            )
            kv_set(self.conn, "last_success_at", str(now))

    def record_failure(self, kind: str, message: str, now: float) -> None:
        with transaction(self.conn):
            self.incr("failed")
            self.incr(f"failed_{kind}")
            kv_set(self.conn, "last_error", message)
            kv_set(self.conn, "last_error_at", str(now))

    def last_success_at(self) -> float | None:
        value = kv_get(self.conn, "last_success_at")
        return float(value) if value else None

    def snapshot(self) -> dict[str, Any]:
        counters = dict(self.conn.execute("SELECT name, value FROM counters").fetchall())
        times = sorted(s for (s,) in self.conn.execute("SELECT seconds FROM sync_times"))
        last_error_at = kv_get(self.conn, "last_error_at")
        return {
            "synced": counters.get("synced", 0),
            "unchanged": counters.get("unchanged", 0),
            "skipped_no_metadata": counters.get("skipped_no_metadata", 0),
            "failed": counters.get("failed", 0),
            "dead_lettered": counters.get("dead_lettered", 0),
            "failed_by_kind": {
                k[len("failed_") :]: v for k, v in counters.items() if k.startswith("failed_")
            },
            "sync_seconds_avg": round(sum(times) / len(times), 3) if times else None,
            "sync_seconds_p95": round(times[int(0.95 * (len(times) - 1))], 3) if times else None,
            "last_success_at": iso_utc(self.last_success_at()),
            "last_error": kv_get(self.conn, "last_error"),
            "last_error_at": iso_utc(float(last_error_at)) if last_error_at else None,
        }
