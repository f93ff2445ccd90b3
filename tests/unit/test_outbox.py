"""The outbox: the worker's messages, kept in SQLite until a hook or task shows them once."""

from __future__ import annotations

import io
import logging
import sqlite3
from pathlib import Path

import pytest

from sync_queue import outbox
from sync_queue import worker_messages as messages
from sync_queue.state_db import open_state_db
from worker.outbox_handler import OutboxHandler

NOW = 1_700_000_000.0


@pytest.fixture
def conn(tmp_path: Path):
    db = open_state_db(tmp_path)
    yield db
    db.close()


def _add(conn: sqlite3.Connection, n: int, level: str = "warning") -> None:
    for i in range(n):
        outbox.add(conn, level, f"message {i}", NOW + i)


def test_each_message_is_delivered_once_oldest_first_with_its_level_and_time(conn) -> None:
    outbox.add(conn, "error", "scene 7 moved to the dead-letter queue", NOW, "7")
    outbox.add(conn, "warning", "Plex is down", NOW + 1)
    first = outbox.take_unseen(conn, None)
    assert [(m.level, m.text, m.at, m.scene_id) for m in first.messages] == [
        ("error", "scene 7 moved to the dead-letter queue", NOW, "7"),
        ("warning", "Plex is down", NOW + 1, None),
    ]
    assert outbox.take_unseen(conn, None) == outbox.Delivery([], 0, 0)


def test_a_limited_take_leaves_the_rest_and_says_how_many(conn) -> None:
    _add(conn, 25)
    hook = outbox.take_unseen(conn, 20)
    assert [m.text for m in hook.messages] == [f"message {i}" for i in range(20)]
    assert hook.more == 5
    task = outbox.take_unseen(conn, None)
    assert [m.text for m in task.messages] == [f"message {i}" for i in range(20, 25)]
    assert task.more == 0


def test_the_same_message_in_a_row_collapses_into_one_with_a_count(conn) -> None:
    for i in range(3):
        outbox.add(conn, "warning", "Plex is down", NOW + i)
    outbox.add(conn, "warning", "other", NOW + 5)
    [down, other] = outbox.take_unseen(conn, None).messages
    assert (down.repeats, down.at, down.last_at) == (3, NOW, NOW + 2)
    assert other.repeats == 1
    assert outbox.render(down).endswith(f"Plex is down (x3, last at {outbox.stamp(NOW + 2)})")


def test_a_message_already_shown_comes_again_when_it_happens_again(conn) -> None:
    outbox.add(conn, "warning", "Plex is down", NOW)
    outbox.take_unseen(conn, None)
    outbox.add(conn, "warning", "Plex is down", NOW + 60)
    [again] = outbox.take_unseen(conn, None).messages
    assert (again.at, again.repeats) == (NOW + 60, 1)


def test_the_outbox_stays_bounded_and_counts_what_it_dropped_unseen(conn) -> None:
    _add(conn, outbox.MAX_MESSAGES + 300)
    rows = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert rows == outbox.MAX_MESSAGES
    delivery = outbox.take_unseen(conn, 20)
    assert delivery.dropped == 300
    assert delivery.messages[0].text == "message 300"
    assert delivery.more == outbox.MAX_MESSAGES - 20
    assert outbox.take_unseen(conn, 1).dropped == 0  # said once


def test_a_rendered_message_starts_with_when_it_happened() -> None:
    message = outbox.Message(NOW, NOW, "error", "3", "scene 3 failed", 1)
    assert outbox.render(message) == f"[{outbox.stamp(NOW)} worker] scene 3 failed"


def test_the_hook_reads_nothing_and_raises_nothing_without_a_state_database(
    tmp_path: Path,
) -> None:
    assert outbox.read_for_hook(str(tmp_path), 20) == (outbox.Delivery([], 0, 0), None)
    old = sqlite3.connect(tmp_path / "state.db")  # a state database from before the outbox
    old.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT)")
    old.close()
    assert outbox.read_for_hook(str(tmp_path), 20) == (outbox.Delivery([], 0, 0), None)


def test_the_hook_prints_twenty_then_says_how_many_more_and_where(
    conn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(conn, 23, level="error")
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    assert messages.show_worker_messages(tmp_path, messages.HOOK_LIMIT) == 20
    lines = stderr.getvalue().splitlines()
    assert len(lines) == 21
    assert all(line.startswith("\x01e\x02[") for line in lines[:20])
    assert lines[20] == (
        "\x01w\x02"
        "3 more PlexSync message(s) are waiting: run the 'Queue status' task to see them all"
    )


def test_a_queued_hook_repeats_the_settings_problem_as_an_error(
    conn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox.set_notice(conn, outbox.SETTINGS_PROBLEM, "setting plexToken is not set", NOW)
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    messages.show_worker_messages(tmp_path, messages.HOOK_LIMIT, queued="scene 12")
    assert stderr.getvalue() == (
        "\x01e\x02PlexSync cannot sync: setting plexToken is not set. "
        "Scene 12 is queued and syncs as soon as this is fixed\n"
    )


def test_the_worker_handler_keeps_warnings_errors_and_marked_info_only(
    conn, tmp_path: Path
) -> None:
    logger = logging.getLogger("plexsync.test-outbox")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = OutboxHandler(tmp_path)
    logger.addHandler(handler)
    try:
        logger.info("scene 1 synced")
        logger.warning('scene 5 "A": skipped, ambiguous match')
        logger.warning("reminder", extra={"outbox": False})
        logger.info("Plex is back", extra={"outbox": True})
        logger.error("worker stopped")
    finally:
        logger.removeHandler(handler)
    shown = outbox.take_unseen(conn, None).messages
    assert [(m.level, m.scene_id, m.text) for m in shown] == [
        ("warning", "5", 'scene 5 "A": skipped, ambiguous match'),
        ("info", None, "Plex is back"),
        ("error", None, "worker stopped"),
    ]
