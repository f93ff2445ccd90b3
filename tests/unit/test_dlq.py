"""The dead-letter queue: one row per scene that could not be synced, for a person to review."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_queue.dlq import DeadLetterQueue
from sync_queue.job import Job

NOW = 1_700_000_000.0
DAY = 86_400.0


def job(scene_id: str, **values: object) -> Job:
    return Job(scene_id=scene_id, event="Scene.Update.Post", enqueued_at=NOW - 500, **values)


@pytest.fixture
def dlq(tmp_path: Path):
    q = DeadLetterQueue(tmp_path)
    yield q
    q.close()


def test_add_records_the_failure_with_attempts_and_times(dlq: DeadLetterQueue) -> None:
    failed = job("4", attempt=2, first_failure_at=NOW - 60)
    dlq.add(failed, "My scene", "transient", "Plex answered 503", NOW)
    [letter] = dlq.latest()
    assert (letter.scene_id, letter.title, letter.error_kind) == ("4", "My scene", "transient")
    assert letter.message == "Plex answered 503"
    assert letter.attempts == 3
    assert (letter.first_failure_at, letter.last_failure_at) == (NOW - 60, NOW)
    assert letter.job == failed


def test_add_without_earlier_failure_uses_now_as_first_failure(dlq: DeadLetterQueue) -> None:
    dlq.add(job("4"), "t", "permanent", "400", NOW)
    assert dlq.latest()[0].first_failure_at == NOW


def test_add_twice_for_one_scene_keeps_one_row_with_the_latest_failure(
    dlq: DeadLetterQueue,
) -> None:
    dlq.add(job("4"), "old title", "transient", "503", NOW)
    dlq.add(job("4", attempt=4), "new title", "auth", "401", NOW + 10)
    assert dlq.count() == 1
    [letter] = dlq.take_all()
    assert (letter.title, letter.error_kind, letter.message) == ("new title", "auth", "401")
    assert letter.attempts == 5
    assert letter.first_failure_at == NOW  # the first failure is not forgotten
    assert letter.last_failure_at == NOW + 10


def test_latest_lists_newest_failures_first_up_to_the_limit(dlq: DeadLetterQueue) -> None:
    for i in range(7):
        dlq.add(job(str(i)), f"scene {i}", "transient", "x", NOW + i)
    assert [d.scene_id for d in dlq.latest(3)] == ["6", "5", "4"]
    assert len(dlq.latest()) == 5


def test_counts_by_kind(dlq: DeadLetterQueue) -> None:
    dlq.add(job("1"), "", "auth", "401", NOW)
    dlq.add(job("2"), "", "auth", "401", NOW)
    dlq.add(job("3"), "", "not_found", "404", NOW)
    assert dlq.counts_by_kind() == {"auth": 2, "not_found": 1}


def test_empty_dead_letter_queue_has_no_counts(dlq: DeadLetterQueue) -> None:
    assert dlq.count() == 0
    assert dlq.counts_by_kind() == {}
    assert dlq.latest() == []


def test_purge_older_than_deletes_only_old_failures(dlq: DeadLetterQueue) -> None:
    dlq.add(job("old"), "", "transient", "x", NOW - 31 * DAY)
    dlq.add(job("edge"), "", "transient", "x", NOW - 30 * DAY)
    dlq.add(job("new"), "", "transient", "x", NOW - DAY)
    assert dlq.purge_older_than(30, NOW) == 1
    assert sorted(d.scene_id for d in dlq.take_all()) == ["edge", "new"]


def test_clear_deletes_every_dead_letter_and_says_how_many(dlq: DeadLetterQueue) -> None:
    for i in range(3):
        dlq.add(job(str(i)), "", "transient", "x", NOW)
    assert dlq.clear() == 3
    assert dlq.count() == 0
    assert dlq.clear() == 0


def test_remove_deletes_named_scenes(dlq: DeadLetterQueue) -> None:
    for i in range(3):
        dlq.add(job(str(i)), "", "transient", "x", NOW)
    assert dlq.remove(["0", "2", "99"]) == 2
    assert [d.scene_id for d in dlq.take_all()] == ["1"]


def test_dead_letters_survive_reopening_the_database(tmp_path: Path) -> None:
    first = DeadLetterQueue(tmp_path)
    first.add(job("8"), "kept", "permanent", "400", NOW)
    first.close()
    second = DeadLetterQueue(tmp_path)
    try:
        assert [d.title for d in second.take_all()] == ["kept"]
    finally:
        second.close()


def test_summary_shows_times_as_utc_iso_text(dlq: DeadLetterQueue) -> None:
    dlq.add(job("1", first_failure_at=0.0 + 1), "t", "auth", "401", 86_400.0)
    summary = dlq.latest()[0].summary()
    assert summary == {
        "scene_id": "1",
        "title": "t",
        "error_kind": "auth",
        "message": "401",
        "attempts": 1,
        "first_failure_at": "1970-01-01T00:00:01Z",
        "last_failure_at": "1970-01-02T00:00:00Z",
    }
