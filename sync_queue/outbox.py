"""The outbox: what the background worker has to tell a person, kept until Stash shows it.

Stash shows log lines only from the processes it runs and waits for; the detached
worker is not one of them. So the worker writes its warnings and errors here (a
table in the state database) and the next hook or task prints the ones nobody has
seen yet. A high-water mark says what has been shown: moving it is one short
`BEGIN IMMEDIATE` transaction, so two processes racing never print one message
twice. The table is bounded: past MAX_MESSAGES the oldest go, counted as dropped.

Two notices live beside it: the settings problem the worker last met (every hook
repeats it until a request with the current settings succeeds) and the reason the
last worker could not start or had to stop. Standard library only: the hook reads
this on every event, with one indexed SELECT when there is nothing new.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections import namedtuple

from plugin_core.data_dir import STATE_DB
from sync_queue.sqlite_db import BUSY_TIMEOUT_S, StrPath, connect, transaction

MAX_MESSAGES = 2000
PRUNE_EVERY = 100
SETTINGS_PROBLEM = "settings_problem"
WORKER_LAST_ERROR = "worker_last_error"
_SCENE_ID = re.compile(r"\bscene (\d+)\b")

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    last_at REAL NOT NULL,
    level TEXT NOT NULL,
    scene_id TEXT,
    text TEXT NOT NULL,
    repeats INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS outbox_mark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    shown_through INTEGER NOT NULL,
    dropped INTEGER NOT NULL
);
INSERT OR IGNORE INTO outbox_mark VALUES (1, 0, 0);
CREATE TABLE IF NOT EXISTS notices (
    key TEXT PRIMARY KEY,
    message TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT
);
"""


class Message(namedtuple("Message", "at last_at level scene_id text repeats")):
    """One thing to tell the user; `repeats` > 1 when it came several times in a row.

    A named tuple rather than a dataclass: `dataclasses` costs the hook ~10 ms to import.
    """

    __slots__ = ()


class Delivery(namedtuple("Delivery", "messages more dropped")):
    """Messages now marked shown, how many unseen remain, how many were dropped unseen."""

    __slots__ = ()


def scene_of(text: str) -> str | None:
    """The scene a message is about, when it names one ("scene 12 ...")."""
    found = _SCENE_ID.search(text)
    return found.group(1) if found else None


def open_outbox(data_dir: StrPath) -> sqlite3.Connection:
    """The state database, opened as every process opens it (WAL), with the outbox tables.

    A corrupt file is moved aside here too; the fresh outbox then says so itself,
    because logging it would come straight back to this function.
    """
    moved: list[str] = []
    conn = connect(
        os.path.join(data_dir, STATE_DB),
        OUTBOX_SCHEMA,
        lambda _path, target: moved.append(os.path.basename(target)),
        durable=False,
    )
    if moved:
        add(
            conn,
            "error",
            f"the database {STATE_DB} was corrupt and was moved aside to {moved[0]}; a new one "
            "was started (run 'Sync all scenes' to rebuild what it held)",
            time.time(),
        )
    return conn


def add(
    conn: sqlite3.Connection, level: str, text: str, at: float, scene_id: str | None = None
) -> None:
    """Store one message; the same message again, not yet shown, only counts up."""
    with transaction(conn):
        shown = conn.execute("SELECT shown_through FROM outbox_mark WHERE id = 1").fetchone()[0]
        last = conn.execute(
            "SELECT id, level, scene_id, text FROM outbox ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if last is not None and last[0] > shown and tuple(last[1:]) == (level, scene_id, text):
            conn.execute(
                "UPDATE outbox SET repeats = repeats + 1, last_at = ? WHERE id = ?", (at, last[0])
            )
            return
        cursor = conn.execute(
            "INSERT INTO outbox (at, last_at, level, scene_id, text) VALUES (?, ?, ?, ?, ?)",
            (at, at, level, scene_id, text),
        )
        if cursor.lastrowid % PRUNE_EVERY == 0:
            _prune(conn, cursor.lastrowid, shown)


def _prune(conn: sqlite3.Connection, newest: int, shown: int) -> None:
    """Keep the newest MAX_MESSAGES; count the dropped ones nobody saw."""
    cutoff = newest - MAX_MESSAGES
    unseen = conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE id <= ? AND id > ?", (cutoff, shown)
    ).fetchone()[0]
    conn.execute("DELETE FROM outbox WHERE id <= ?", (cutoff,))
    conn.execute(
        "UPDATE outbox_mark SET dropped = dropped + ?, shown_through = MAX(shown_through, ?) "
        "WHERE id = 1",
        (unseen, cutoff),
    )


def take_unseen(conn: sqlite3.Connection, limit: int | None) -> Delivery:
    """Mark up to `limit` (None: all) unseen messages shown and return them, oldest first."""
    if not _has_unseen(conn):
        return Delivery([], 0, 0)
    with transaction(conn):
        shown, dropped = conn.execute(
            "SELECT shown_through, dropped FROM outbox_mark WHERE id = 1"
        ).fetchone()
        rows = conn.execute(
            "SELECT id, at, last_at, level, scene_id, text, repeats FROM outbox "
            "WHERE id > ? ORDER BY id LIMIT ?",
            (shown, -1 if limit is None else limit),
        ).fetchall()
        through = rows[-1][0] if rows else shown
        more = conn.execute("SELECT COUNT(*) FROM outbox WHERE id > ?", (through,)).fetchone()[0]
        conn.execute(
            "UPDATE outbox_mark SET shown_through = ?, dropped = 0 WHERE id = 1", (through,)
        )
    return Delivery([Message(*row[1:]) for row in rows], more, dropped)


def _has_unseen(conn: sqlite3.Connection) -> bool:
    """One read, no lock taken: the common case (nothing new) costs no write."""
    row = conn.execute(
        "SELECT (SELECT MAX(id) FROM outbox) > shown_through OR dropped > 0 "
        "FROM outbox_mark WHERE id = 1"
    ).fetchone()
    return bool(row and row[0])


def set_notice(
    conn: sqlite3.Connection, key: str, message: str, at: float, detail: str | None = None
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO notices (key, message, at, detail) VALUES (?, ?, ?, ?)",
        (key, message, at, detail),
    )


def get_notice(conn: sqlite3.Connection, key: str) -> tuple[str, float, str | None] | None:
    row = conn.execute("SELECT message, at, detail FROM notices WHERE key = ?", (key,)).fetchone()
    return tuple(row) if row else None


def clear_notice(conn: sqlite3.Connection, key: str) -> bool:
    """True when there was one to clear."""
    return conn.execute("DELETE FROM notices WHERE key = ?", (key,)).rowcount > 0


def read_for_hook(data_dir: StrPath, limit: int | None) -> tuple[Delivery, str | None]:
    """Unseen messages (marked shown) and the settings problem, for one hook.

    Nothing when the state database does not exist yet (no worker ever ran) or
    predates the outbox; never raises for a database problem, which the worker
    reports itself.
    """
    path = os.path.join(data_dir, STATE_DB)
    if not os.path.exists(path):
        return Delivery([], 0, 0), None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            # No fsync per commit (WAL): a power cut can at worst show a message again.
            conn.execute("PRAGMA synchronous=NORMAL")
            problem = get_notice(conn, SETTINGS_PROBLEM)
            return take_unseen(conn, limit), problem[0] if problem else None
        finally:
            conn.close()
    except sqlite3.Error:
        return Delivery([], 0, 0), None


def stamp(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def render(message: Message) -> str:
    """The line a person reads: when it happened (local time), what, and how often."""
    text = f"[{stamp(message.at)} worker] {message.text}"
    if message.repeats > 1:
        text += f" (x{message.repeats}, last at {stamp(message.last_at)})"
    return text
