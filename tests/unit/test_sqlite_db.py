"""Opening PlexSync's SQLite files: corrupt files are moved aside, errors are classified."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from sync_queue.sqlite_db import connect, is_corruption, is_disk_full, quarantine, transaction

SCHEMA = "CREATE TABLE IF NOT EXISTS t (a INTEGER);"
CORRUPT_NAME = re.compile(r"^x\.db\.corrupt-\d{8}-\d{6}(-\d+)?$")


def test_connect_creates_the_schema_in_wal_mode(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db", SCHEMA)
    try:
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        conn.close()


def test_garbage_file_is_moved_aside_and_a_fresh_database_works(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    garbage = b"this is not sqlite " * 500
    path.write_bytes(garbage)
    reported: list[tuple[Path, Path]] = []
    conn = connect(path, SCHEMA, on_quarantine=lambda p, m: reported.append((p, m)))
    try:
        conn.execute("INSERT INTO t VALUES (1)")
        assert conn.execute("SELECT a FROM t").fetchall() == [(1,)]
    finally:
        conn.close()
    [(original, moved)] = [(Path(p), Path(m)) for p, m in reported]
    assert original == path
    assert CORRUPT_NAME.match(moved.name)
    assert moved.read_bytes() == garbage  # the evidence is kept for the user


def test_zero_length_file_is_a_usable_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"")
    reported: list[object] = []
    conn = connect(path, SCHEMA, on_quarantine=lambda *a: reported.append(a))
    try:
        conn.execute("INSERT INTO t VALUES (1)")
    finally:
        conn.close()
    assert reported == []
    assert [p.name for p in tmp_path.glob("*.corrupt-*")] == []


def test_quarantine_moves_the_wal_and_shm_files_with_the_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    for name, body in (("x.db", b"db"), ("x.db-wal", b"wal"), ("x.db-shm", b"shm")):
        (tmp_path / name).write_bytes(body)
    moved = Path(quarantine(path))
    assert CORRUPT_NAME.match(moved.name)
    assert moved.read_bytes() == b"db"
    assert Path(f"{moved}-wal").read_bytes() == b"wal"
    assert Path(f"{moved}-shm").read_bytes() == b"shm"
    assert not path.exists()
    assert not (tmp_path / "x.db-wal").exists()
    assert not (tmp_path / "x.db-shm").exists()


def test_quarantine_twice_in_one_second_keeps_both_copies(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"one")
    first = Path(quarantine(path))
    path.write_bytes(b"two")
    second = Path(quarantine(path))
    assert first != second
    assert (first.read_bytes(), second.read_bytes()) == (b"one", b"two")


def test_connect_reraises_errors_that_are_not_corruption(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError):
        connect(tmp_path / "x.db", "CREATE TABLE broken (")
    assert list(tmp_path.glob("*.corrupt-*")) == []


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.DatabaseError("file is not a database"),
        sqlite3.DatabaseError("database disk image is malformed"),
        sqlite3.DatabaseError("file is encrypted or is not a database"),
    ],
)
def test_is_corruption_recognises_sqlite_corruption_messages(exc: Exception) -> None:
    assert is_corruption(exc)
    assert not is_disk_full(exc)


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("no such table: t"),
        ValueError("file is not a database"),
    ],
)
def test_is_corruption_rejects_other_errors(exc: Exception) -> None:
    assert not is_corruption(exc)


@pytest.mark.parametrize(
    "message", ["database or disk is full", "disk is full", "No space left on device"]
)
def test_is_disk_full_recognises_full_disk(message: str) -> None:
    assert is_disk_full(sqlite3.OperationalError(message))


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.OperationalError("database is locked"),
        sqlite3.DatabaseError("database or disk is full"),  # not an OperationalError
        OSError("disk is full"),
    ],
)
def test_is_disk_full_rejects_other_errors(exc: Exception) -> None:
    assert not is_disk_full(exc)


def test_transaction_commits_on_success_and_rolls_back_on_error(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db", SCHEMA)
    try:
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(RuntimeError), transaction(conn):
            conn.execute("INSERT INTO t VALUES (2)")
            raise RuntimeError("stop")
        assert conn.execute("SELECT a FROM t").fetchall() == [(1,)]
    finally:
        conn.close()
