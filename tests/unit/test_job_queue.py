"""The job queue on a real SQLite file: what the hook writes and what the worker takes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import persistqueue
import pytest
from persistqueue.serializers import json as pq_json

from plugin_core.data_dir import QUEUE_DB
from sync_queue import job_queue
from sync_queue.enqueue import (
    STATUS_ACKED,
    STATUS_FAILED,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_READY,
    TABLE,
    enqueue,
    insert_jobs,
    open_queue_db,
)
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue, QueueCounts

NOW = 1_700_000_000.0


def job(scene_id: str = "1", **values: object) -> Job:
    return Job(scene_id=scene_id, event="Scene.Update.Post", enqueued_at=NOW - 10, **values)


def rows(path: Path) -> list[tuple[int, bytes, float, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT _id, data, timestamp, status FROM `{TABLE}`").fetchall()
    finally:
        conn.close()


@pytest.fixture
def queue(tmp_path: Path):
    q = JobQueue(tmp_path)
    yield q
    q.close()


# Job ---------------------------------------------------------------------------------


def test_job_round_trips_through_json() -> None:
    original = job("42", attempt=3, not_before=NOW + 5, last_error="500", error_kind="transient")
    assert Job.from_json(original.to_json()) == original
    assert Job.from_json(original.to_json().decode()) == original


def test_job_json_is_compact_utf8_json_not_pickle() -> None:
    data = job("5").to_json()
    assert isinstance(data, bytes)
    assert json.loads(data)["scene_id"] == "5"
    assert b" " not in data


def test_job_from_dict_ignores_fields_added_by_later_versions() -> None:
    loaded = Job.from_dict(
        {"scene_id": 9, "event": "Scene.Create.Post", "enqueued_at": 1.0, "priority": 3}
    )
    assert loaded == Job("9", "Scene.Create.Post", 1.0)


def test_job_retry_later_counts_an_attempt_and_keeps_first_failure_time() -> None:
    first = job().retry_later(NOW + 5, "transient", "Plex answered 503", NOW)
    assert (first.attempt, first.not_before, first.error_kind) == (1, NOW + 5, "transient")
    assert first.last_error == "Plex answered 503"
    assert first.first_failure_at == NOW
    second = first.retry_later(NOW + 50, "transient", "Plex answered 502", NOW + 40)
    assert second.attempt == 2
    assert second.first_failure_at == NOW
    assert second.last_error == "Plex answered 502"


# enqueue -----------------------------------------------------------------------------


def test_enqueue_writes_one_new_row_due_at_enqueue_time(tmp_path: Path) -> None:
    path = tmp_path / QUEUE_DB
    enqueue(path, job("3"))
    [(_id, data, due, status)] = rows(path)
    assert Job.from_json(data) == job("3")
    assert due == NOW - 10
    assert status == STATUS_NEW


def test_enqueued_retry_is_due_at_its_not_before_time(tmp_path: Path) -> None:
    conn = open_queue_db(tmp_path / QUEUE_DB)
    assert insert_jobs(conn, [job("1", not_before=NOW + 60), job("2")]) == 2
    conn.close()
    assert [r[2] for r in rows(tmp_path / QUEUE_DB)] == [NOW + 60, NOW - 10]


def test_queue_database_uses_wal_and_full_sync(tmp_path: Path) -> None:
    conn = open_queue_db(tmp_path / QUEUE_DB)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        conn.close()


def test_persist_queue_get_returns_exactly_what_the_hook_wrote(tmp_path: Path) -> None:
    written = [job("11"), job("12", attempt=2, not_before=NOW + 1, error_kind="transient")]
    for item in written:
        enqueue(tmp_path / QUEUE_DB, item)
    pq = persistqueue.SQLiteAckQueue(
        str(tmp_path), db_file_name=QUEUE_DB, auto_resume=False, serializer=pq_json
    )
    try:
        got = [pq.get(block=False), pq.get(block=False)]
        assert got == [json.loads(item.to_json()) for item in written]
        assert [Job.from_dict(g) for g in got] == written
        with pytest.raises(persistqueue.Empty):
            pq.get(block=False)
    finally:
        pq.close()


def test_rows_put_by_persist_queue_are_taken_by_the_worker(tmp_path: Path) -> None:
    pq = persistqueue.SQLiteAckQueue(
        str(tmp_path), db_file_name=QUEUE_DB, auto_resume=False, serializer=pq_json
    )
    pq.put(json.loads(job("21").to_json()))
    pq.close()
    q = JobQueue(tmp_path)
    try:
        [claimed] = q.take_due(NOW + 1e10, 10)  # persist-queue stores put time, not due time
        assert claimed.job == job("21")
    finally:
        q.close()


# take_due ----------------------------------------------------------------------------


def test_take_due_claims_due_jobs_in_queue_order(queue: JobQueue) -> None:
    queue.enqueue([job("3"), job("1"), job("2")])
    claimed = queue.take_due(NOW, 10)
    assert [c.scene_id for c in claimed] == ["3", "1", "2"]
    assert [r[3] for r in rows(queue.path)] == [STATUS_IN_PROGRESS] * 3


def test_take_due_leaves_jobs_that_are_not_due_yet(queue: JobQueue) -> None:
    queue.enqueue([job("1", not_before=NOW + 30), job("2")])
    assert [c.scene_id for c in queue.take_due(NOW, 10)] == ["2"]
    assert queue.take_due(NOW + 29, 10) == []
    assert [c.scene_id for c in queue.take_due(NOW + 30, 10)] == ["1"]


def test_take_due_does_not_claim_a_job_twice(queue: JobQueue) -> None:
    queue.enqueue([job("1")])
    assert len(queue.take_due(NOW, 10)) == 1
    assert queue.take_due(NOW, 10) == []


def test_take_due_collapses_rows_of_one_scene_into_one_claim(queue: JobQueue) -> None:
    queue.enqueue([job("7"), job("8"), job("7"), job("7")])
    claimed = queue.take_due(NOW, 10)
    assert [c.scene_id for c in claimed] == ["7", "8"]
    assert claimed[0].row_ids == (1, 3, 4)
    assert claimed[1].row_ids == (2,)


def test_collapsed_claim_keeps_the_most_advanced_retry_and_earliest_enqueue(
    queue: JobQueue,
) -> None:
    early = Job("7", "Scene.Create.Post", enqueued_at=NOW - 100)
    retried = Job("7", "Scene.Update.Post", NOW - 50, attempt=2, error_kind="transient")
    queue.enqueue([early, retried, job("7")])
    [claimed] = queue.take_due(NOW, 10)
    assert claimed.job.attempt == 2
    assert claimed.job.error_kind == "transient"
    assert claimed.job.enqueued_at == NOW - 100


def test_take_due_claims_a_scenes_later_rows_along_with_its_due_row(queue: JobQueue) -> None:
    queue.enqueue([job("7"), job("7", not_before=NOW + 300)])
    [claimed] = queue.take_due(NOW, 10)
    assert claimed.row_ids == (1, 2)
    assert queue.counts(NOW) == QueueCounts(pending=0, in_progress=2, waiting_retry=0)


def test_take_due_respects_the_limit_in_scenes(queue: JobQueue) -> None:
    queue.enqueue([job("1"), job("1"), job("2"), job("3")])
    first = queue.take_due(NOW, 2)
    assert [c.scene_id for c in first] == ["1", "2"]
    assert [c.scene_id for c in queue.take_due(NOW, 2)] == ["3"]


def test_rows_a_hook_adds_between_batches_join_the_scenes_known_rows(
    tmp_path: Path, queue: JobQueue
) -> None:
    queue.enqueue([job("7", not_before=NOW + 300), job("8")])
    assert [c.scene_id for c in queue.take_due(NOW, 10)] == ["8"]
    enqueue(tmp_path / QUEUE_DB, job("9"))
    enqueue(tmp_path / QUEUE_DB, job("7"))
    claimed = queue.take_due(NOW, 10)
    assert [(c.scene_id, c.row_ids) for c in claimed] == [("7", (1, 4)), ("9", (3,))]
    assert queue.take_due(NOW + 1000, 10) == []


def test_a_scene_with_more_rows_than_sqlite_parameters_is_claimed_whole(
    queue: JobQueue,
) -> None:
    queue.enqueue([job("1")] * 1200 + [job("2")])
    [first, second] = queue.take_due(NOW, 10)
    assert (first.scene_id, len(first.row_ids)) == ("1", 1200)
    assert second.row_ids == (1201,)
    assert queue.counts(NOW) == QueueCounts(pending=0, in_progress=1201, waiting_retry=0)


def test_unreadable_rows_are_marked_failed_and_not_retried(queue: JobQueue) -> None:
    conn = queue.conn
    for data in (b"\xff\xfe", b"not json", b'{"event": "x"}', b"[1, 2]", b"null"):
        conn.execute(
            f"INSERT INTO `{TABLE}` (data, timestamp, status) VALUES (?, ?, ?)", (data, 0.0, 0)
        )
    queue.enqueue([job("5")])
    assert [c.scene_id for c in queue.take_due(NOW, 10)] == ["5"]
    statuses = [r[3] for r in rows(queue.path)]
    assert statuses == [STATUS_FAILED] * 5 + [STATUS_IN_PROGRESS]
    assert queue.take_due(NOW, 10) == []
    assert queue.counts(NOW) == QueueCounts(pending=0, in_progress=1, waiting_retry=0)


# settling ----------------------------------------------------------------------------


def test_ack_settles_every_row_of_the_claim(queue: JobQueue) -> None:
    queue.enqueue([job("1"), job("1")])
    [claimed] = queue.take_due(NOW, 10)
    queue.ack(claimed)
    assert [r[3] for r in rows(queue.path)] == [STATUS_ACKED, STATUS_ACKED]
    assert queue.counts(NOW) == QueueCounts(0, 0, 0)


def test_an_ack_skips_the_fsync_but_every_other_commit_stays_durable(queue: JobQueue) -> None:
    """A lost ack only repeats a sync: the row stays in progress and is resumed."""
    full = 2  # PRAGMA synchronous: 1 NORMAL, 2 FULL
    queue.enqueue([job("1"), job("2")])
    first, _second = queue.take_due(NOW, 10)
    statements: list[str] = []
    queue.conn.set_trace_callback(statements.append)
    queue.ack(first)
    queue.conn.set_trace_callback(None)
    pragmas = [s for s in statements if s.startswith(("PRAGMA", "BEGIN", "COMMIT"))]
    assert pragmas == [
        "PRAGMA synchronous=NORMAL",
        "BEGIN IMMEDIATE",
        "COMMIT",
        "PRAGMA synchronous=FULL",
    ]
    assert queue.conn.execute("PRAGMA synchronous").fetchone()[0] == full
    assert [r[3] for r in rows(queue.path)] == [STATUS_ACKED, STATUS_IN_PROGRESS]
    assert queue.resume_orphans() == 1  # what a worker after a crash does with the rest
    assert [c.scene_id for c in queue.take_due(NOW, 10)] == ["2"]


def test_retry_later_acks_the_claim_and_queues_the_job_due_later(queue: JobQueue) -> None:
    queue.enqueue([job("1"), job("1")])
    [claimed] = queue.take_due(NOW, 10)
    again = claimed.job.retry_later(NOW + 40, "transient", "503", NOW)
    queue.retry_later(claimed, again)
    table = rows(queue.path)
    assert [r[3] for r in table] == [STATUS_ACKED, STATUS_ACKED, STATUS_NEW]
    assert table[2][2] == NOW + 40
    assert Job.from_json(table[2][1]) == again
    assert queue.counts(NOW) == QueueCounts(pending=0, in_progress=0, waiting_retry=1)
    assert queue.next_due_at() == NOW + 40
    assert queue.take_due(NOW + 39, 10) == []
    [retaken] = queue.take_due(NOW + 40, 10)
    assert retaken.job.attempt == 1


def test_retry_later_is_atomic_when_the_insert_fails(queue: JobQueue) -> None:
    queue.enqueue([job("1")])
    [claimed] = queue.take_due(NOW, 10)
    queue.conn.execute(
        f"CREATE TRIGGER no_insert BEFORE INSERT ON `{TABLE}` "
        "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        queue.retry_later(claimed, claimed.job.retry_later(NOW + 5, "transient", "x", NOW))
    assert [r[3] for r in rows(queue.path)] == [STATUS_IN_PROGRESS]  # not acked, not lost


def test_release_returns_claims_to_the_queue_untouched(queue: JobQueue) -> None:
    queue.enqueue([job("1"), job("2")])
    claimed = queue.take_due(NOW, 10)
    queue.release(claimed)
    assert [r[3] for r in rows(queue.path)] == [STATUS_READY, STATUS_READY]
    assert queue.counts(NOW) == QueueCounts(pending=2, in_progress=0, waiting_retry=0)
    assert [c.job for c in queue.take_due(NOW, 10)] == [job("1"), job("2")]


def test_released_scenes_are_taken_first_without_reading_the_queue_again(
    queue: JobQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue.enqueue([job("1"), job("2"), job("3"), job("4", not_before=NOW + 60)])
    claimed = queue.take_due(NOW, 2)
    queue.enqueue([job("2"), job("5")])  # a hook saves scene 2 again meanwhile, and scene 5
    queue.release(claimed)
    decoded = []
    monkeypatch.setattr(
        job_queue, "_decode", lambda data: decoded.append(data) or Job.from_json(data)
    )
    again = queue.take_due(NOW, 10)
    assert [c.scene_id for c in again] == ["1", "2", "3", "5"]
    assert [len(c.row_ids) for c in again] == [1, 2, 1, 1]
    assert len(decoded) == 2  # only the two rows added since the last look
    assert queue.counts(NOW) == QueueCounts(pending=0, in_progress=5, waiting_retry=1)


def test_counts_by_state(queue: JobQueue) -> None:
    queue.enqueue([job("1"), job("2"), job("3"), job("4", not_before=NOW + 5)])
    queue.take_due(NOW, 1)
    assert queue.counts(NOW) == QueueCounts(pending=2, in_progress=1, waiting_retry=1)
    assert queue.counts(NOW + 5) == QueueCounts(pending=3, in_progress=1, waiting_retry=0)


def test_counts_of_an_empty_queue_are_zero(queue: JobQueue) -> None:
    assert queue.counts(NOW) == QueueCounts(0, 0, 0)
    assert queue.next_due_at() is None


def test_next_due_at_is_the_earliest_open_job(queue: JobQueue) -> None:
    queue.enqueue([job("1", not_before=NOW + 9), job("2", not_before=NOW + 3)])
    assert queue.next_due_at() == NOW + 3


def test_purge_acked_deletes_only_settled_rows(queue: JobQueue) -> None:
    queue.enqueue([job("1"), job("2"), job("3", not_before=NOW + 5)])
    claims = queue.take_due(NOW, 1)
    queue.ack(claims[0])
    queue.take_due(NOW, 1)
    queue.purge_acked()
    assert [(r[0], r[3]) for r in rows(queue.path)] == [(2, STATUS_IN_PROGRESS), (3, STATUS_NEW)]


def test_resume_orphans_returns_in_progress_jobs_to_the_queue(tmp_path: Path) -> None:
    dead_worker = JobQueue(tmp_path)
    dead_worker.enqueue([job("1"), job("2")])
    dead_worker.take_due(NOW, 10)
    dead_worker.close()
    worker = JobQueue(tmp_path)
    try:
        assert worker.resume_orphans() == 2
        assert worker.counts(NOW) == QueueCounts(pending=2, in_progress=0, waiting_retry=0)
        assert [c.scene_id for c in worker.take_due(NOW, 10)] == ["1", "2"]
    finally:
        worker.close()
