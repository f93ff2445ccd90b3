"""Counters, timings and the worker's heartbeat that `queue_status` shows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plugin_core.utc import iso_utc
from sync_queue.state_db import open_state_db
from worker.stats import Stats
from worker.status import STALE_AFTER_S, WorkerStatus

NOW = 86_400.0


@pytest.fixture
def conn(tmp_path: Path):
    c = open_state_db(tmp_path)
    yield c
    c.close()


def test_state_database_trades_last_commits_for_speed_but_queue_and_dlq_do_not(
    tmp_path: Path, conn
) -> None:
    from sync_queue.dlq import DeadLetterQueue

    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    dlq = DeadLetterQueue(tmp_path)
    try:
        assert dlq.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        dlq.close()


def test_fresh_snapshot_is_all_zero_and_empty(conn) -> None:
    assert Stats(conn).snapshot() == {
        "synced": 0,
        "unchanged": 0,
        "skipped_no_metadata": 0,
        "failed": 0,
        "dead_lettered": 0,
        "failed_by_kind": {},
        "sync_seconds_avg": None,
        "sync_seconds_p95": None,
        "last_success_at": None,
        "last_error": None,
        "last_error_at": None,
    }


def test_record_sync_counts_and_remembers_the_last_success(conn) -> None:
    stats = Stats(conn)
    stats.record_sync("synced", 0.5, NOW)
    stats.record_sync("synced", 1.5, NOW + 60)
    snap = stats.snapshot()
    assert snap["synced"] == 2
    assert snap["sync_seconds_avg"] == 1.0
    assert snap["last_success_at"] == "1970-01-02T00:01:00Z"
    assert stats.last_success_at() == NOW + 60


def test_p95_of_sync_times(conn) -> None:
    stats = Stats(conn)
    for n in range(1, 101):
        stats.record_sync("synced", float(n), NOW)
    assert stats.snapshot()["sync_seconds_p95"] == 95.0


def test_only_the_latest_timings_are_kept(conn) -> None:
    stats = Stats(conn)
    for n in range(1_100):
        stats.record_sync("synced", 1.0 if n < 100 else 3.0, NOW)
    snap = stats.snapshot()
    assert snap["synced"] == 1_100
    assert snap["sync_seconds_avg"] == 3.0
    assert conn.execute("SELECT COUNT(*) FROM sync_times").fetchone()[0] <= 1_001


def test_record_failure_counts_by_kind_and_keeps_the_last_error(conn) -> None:
    stats = Stats(conn)
    stats.record_failure("transient", "Plex answered 503", NOW)
    stats.record_failure("auth", "Plex refused the token", NOW + 1)
    stats.record_failure("transient", "Plex answered 502", NOW + 2)
    snap = stats.snapshot()
    assert snap["failed"] == 3
    assert snap["failed_by_kind"] == {"transient": 2, "auth": 1}
    assert snap["last_error"] == "Plex answered 502"
    assert snap["last_error_at"] == "1970-01-02T00:00:02Z"


def test_incr_counts_named_counters(conn) -> None:
    stats = Stats(conn)
    stats.incr("dead_lettered")
    stats.incr("dead_lettered", 2)
    snap = stats.snapshot()
    assert snap["dead_lettered"] == 3


def test_an_unchanged_scene_is_counted_once_as_unchanged(conn) -> None:
    stats = Stats(conn)
    stats.record_sync("unchanged", 0.2, NOW)
    stats.record_sync("synced", 0.4, NOW)
    snap = stats.snapshot()
    assert (snap["synced"], snap["unchanged"]) == (1, 1)
    assert snap["sync_seconds_avg"] == 0.3


def test_counters_are_shared_between_processes(tmp_path: Path) -> None:
    a, b = open_state_db(tmp_path), open_state_db(tmp_path)
    try:
        Stats(a).incr("synced")
        Stats(b).incr("synced")
        assert Stats(a).snapshot()["synced"] == 2
    finally:
        a.close()
        b.close()


def test_iso_formats_utc() -> None:
    assert iso_utc(None) is None
    assert iso_utc(0.0) == "1970-01-01T00:00:00Z"


def test_worker_status_is_absent_when_no_worker_ran(conn) -> None:
    assert WorkerStatus(conn).read(NOW) is None


def test_worker_status_reports_pid_heartbeat_and_progress(conn) -> None:
    status = WorkerStatus(conn)
    status.started(NOW)
    status.heartbeat(NOW + 5, current_job="scene 4", processed=3)
    assert status.read(NOW + 6) == {
        "pid": os.getpid(),
        "started_at": "1970-01-02T00:00:00Z",
        "heartbeat_at": "1970-01-02T00:00:05Z",
        "current_job": "scene 4",
        "processed": 3,
        "alive": True,
    }


def test_a_heartbeat_between_scenes_shows_no_current_job(conn) -> None:
    status = WorkerStatus(conn)
    status.started(NOW)
    status.heartbeat(NOW + 1, "4", 7)
    status.heartbeat(NOW + 2, None, 8)
    read = status.read(NOW + 2)
    assert read is not None
    assert (read["processed"], read["current_job"]) == (8, None)


def test_worker_without_a_recent_heartbeat_is_not_alive(conn) -> None:
    status = WorkerStatus(conn)
    status.started(NOW)
    read = status.read(NOW + STALE_AFTER_S)
    assert read is not None
    assert read["alive"] is False


def test_stopped_worker_leaves_no_status(conn) -> None:
    status = WorkerStatus(conn)
    status.started(NOW)
    status.stopped()
    assert status.read(NOW) is None
