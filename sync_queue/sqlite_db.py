"""Opening PlexSync's SQLite databases safely.

Every database is opened the same way: WAL so the hook can insert while the worker
reads, and a busy timeout so short lock waits are not errors. The queue and the
dead-letter queue use `synchronous=FULL`, so a committed job survives a power cut.
The state database, whose content can be rebuilt, uses `synchronous=NORMAL`: still
never corrupted by a power cut, it may lose its last few commits, and saves an
fsync on each of the several small writes per synced scene (slow on a NAS disk). A database that is not a database any
more (truncated, overwritten) is moved aside and started fresh, loudly, rather than
blocking every future event. Standard library only: the hook opens the queue.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Paths are plain strings or PathLike: pathlib costs the hook ~12 ms to import.
StrPath = "str | os.PathLike[str]"
BUSY_TIMEOUT_S = 10.0
CORRUPTION_MARKERS = ("file is not a database", "malformed", "not a database", "file is encrypted")
DISK_FULL_MARKERS = ("disk is full", "database or disk is full", "no space")
LOW_SPACE_BYTES = 1024 * 1024


class Store:
    """A store over one SQLite connection (`self.conn`), closed by `close()` or a `with` block."""

    conn: sqlite3.Connection

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DatabaseFullError(Exception):
    """The disk holding the data directory is full; nothing was written."""


def is_corruption(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(
        marker in str(exc).lower() for marker in CORRUPTION_MARKERS
    )


def is_disk_full(exc: BaseException, folder: StrPath | None = None) -> bool:
    """SQLite says "full", or (on some filesystems) "disk I/O error" with no space left."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    if any(marker in text for marker in DISK_FULL_MARKERS):
        return True
    return "disk i/o error" in text and folder is not None and _free_bytes(folder) < LOW_SPACE_BYTES


def _free_bytes(folder: StrPath) -> int:
    try:
        import shutil

        return shutil.disk_usage(folder).free
    except OSError:
        return LOW_SPACE_BYTES


def quarantine(path: StrPath) -> str:
    """Move a broken database (and its WAL files) aside as `<name>.corrupt-<time>`."""
    path = os.fspath(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = f"{path}.corrupt-{stamp}"
    counter = 1
    while os.path.exists(target):
        target = f"{path}.corrupt-{stamp}-{counter}"
        counter += 1
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.replace(path + suffix, target + suffix)
    return target


def connect(
    path: StrPath,
    schema: str,
    on_quarantine: Callable[[StrPath, StrPath], None] | None = None,
    check_same_thread: bool = True,
    durable: bool = True,
) -> sqlite3.Connection:
    """Open `path`, create `schema`, and recover from a corrupt file by starting afresh."""
    try:
        return _open(path, schema, check_same_thread, durable)
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
    moved = quarantine(path)
    (on_quarantine or _log_quarantine)(path, moved)
    return _open(path, schema, check_same_thread, durable)


def _log_quarantine(path: StrPath, moved: StrPath) -> None:
    import logging

    logging.getLogger("plexsync.db").error(
        "the database %s was corrupt and was moved aside to %s; a new one was started "
        "(run 'Sync all scenes' to rebuild what it held)",
        os.path.basename(path),
        os.path.basename(moved),
    )


def _open(path: StrPath, schema: str, check_same_thread: bool, durable: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=check_same_thread
    )
    try:
        _set_wal(conn)
        conn.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
        conn.executescript(schema)
    except BaseException:
        conn.close()
        raise
    return conn


def _set_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, waiting as the busy timeout would.

    Turning a NEW database to WAL takes an exclusive lock, and SQLite answers
    SQLITE_BUSY at once, without calling the busy handler, when another process
    has the file open at that moment.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: one change, all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
