"""One scene's place in the queue, emptying the queue, and the worker surviving it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync_queue.job import Job
from sync_queue.job_queue import JobQueue
from sync_queue.queue_admin import (
    IN_PROGRESS,
    PENDING,
    WAITING_RETRY,
    delete_waiting,
    scene_in_queue,
)
from sync_queue.scene_outcomes import last_outcome, record_outcome
from sync_queue.state_db import open_state_db

NOW = 1_700_000_000.0


def job(scene_id: str, **values: object) -> Job:
    return Job(scene_id=scene_id, event="Scene.Update.Post", enqueued_at=NOW - 10, **values)


def test_a_scene_is_pending_waiting_or_in_progress_with_its_furthest_retry(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    queue.enqueue([job("1"), job("2", attempt=2, not_before=NOW + 60, last_error="503")])
    assert scene_in_queue(queue.conn, "3", NOW) is None
    assert scene_in_queue(queue.conn, "1", NOW).state == PENDING
    waiting = scene_in_queue(queue.conn, "2", NOW)
    assert (waiting.state, waiting.due_at, waiting.job.last_error) == (
        WAITING_RETRY,
        NOW + 60,
        "503",
    )
    queue.take_due(NOW, 10)
    assert scene_in_queue(queue.conn, "1", NOW).state == IN_PROGRESS
    queue.close()


def test_a_scene_id_stored_as_a_number_is_found(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path)
    queue.conn.execute(
        "INSERT INTO ack_queue_default (data, timestamp, status) VALUES (?, ?, 0)",
        (b'{"scene_id":12,"event":"x","enqueued_at":1}', NOW),
    )
    assert scene_in_queue(queue.conn, "12", NOW).state == PENDING
    queue.close()


def test_clearing_keeps_jobs_a_worker_holds_and_the_worker_drops_deleted_rows(
    tmp_path: Path,
) -> None:
    worker = JobQueue(tmp_path)
    worker.enqueue([job("1"), job("2")])
    [held] = worker.take_due(NOW, 1)  # the worker has now read scene 2's row too
    tasks = JobQueue(tmp_path)
    tasks.enqueue([job("3")])
    assert delete_waiting(tasks.conn) == (2, 1)
    assert worker.take_due(NOW, 10) == []
    worker.ack(held)
    assert worker.counts(NOW).pending == 0
    tasks.close()
    worker.close()


def test_outcomes_keep_the_last_and_cap_the_candidates(tmp_path: Path) -> None:
    from plex.matcher import Candidate

    class Outcome:
        def __init__(self, status: str, **values: object) -> None:
            self.status, self.message, self.rating_key = status, "", None
            self.__dict__.update(values)

    state = open_state_db(tmp_path)
    many = tuple(Candidate(str(k), f"/p/{k}.mp4", k) for k in range(1, 15))
    record_outcome(state, "5", Outcome("skipped", reason="ambiguous", candidates=many), NOW)
    skipped = last_outcome(state, "5")
    assert (skipped.status, skipped.reason, len(skipped.candidates)) == ("skipped", "ambiguous", 10)
    assert skipped.candidates[0] == {"rating_key": "1", "path": "/p/1.mp4", "size": 1}
    record_outcome(state, "5", Outcome("unchanged", rating_key="9", confidence="high"), NOW + 1)
    synced = last_outcome(state, "5")
    assert (synced.status, synced.rating_key, synced.candidates) == ("synced", "9", ())
    record_outcome(state, "6", Outcome("something new"), NOW)
    assert last_outcome(state, "6") is None
    state.close()


def test_an_older_state_database_gains_the_outcomes_table(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "state.db")
    conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT)")
    conn.close()
    state = open_state_db(tmp_path)
    assert last_outcome(state, "1") is None
    state.close()
