"""The background worker's log records that a person must see, written to the outbox.

Attached only in the detached worker (tasks write to Stash directly). It takes
every warning and error, plus the few INFO records marked `extra={"outbox": True}`
(Plex back, dead letters requeued); a record marked `outbox: False` (a periodic
reminder, a repeated probe) stays in the log file only. The database is opened per
record: records are rare, and a state database moved aside as corrupt must not
keep receiving them.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sync_queue import outbox

LEVELS = {logging.INFO: "info", logging.WARNING: "warning"}


def for_outbox(record: logging.LogRecord) -> bool:
    marked = getattr(record, "outbox", None)
    if marked is not None:
        return bool(marked)
    return record.levelno >= logging.WARNING


class OutboxHandler(logging.Handler):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(logging.INFO)
        self.data_dir = data_dir

    def emit(self, record: logging.LogRecord) -> None:
        if not for_outbox(record):
            return
        text = record.getMessage()
        level = LEVELS.get(record.levelno, "error" if record.levelno > logging.WARNING else "info")
        scene_id = getattr(record, "scene_id", None) or outbox.scene_of(text)
        try:
            conn = outbox.open_outbox(self.data_dir)
            try:
                outbox.add(conn, level, text, record.created, scene_id)
            finally:
                conn.close()
        except (sqlite3.Error, OSError):
            pass  # the log file has the record; the outbox is a courtesy copy
