"""Per Plex item and field, the value PlexSync last wrote there (CONTRACT §6).

This is what makes PlexSync safe on a library that a Plex agent or a person filled
before: an empty Stash value may clear only what PlexSync itself put in Plex, and an
empty tag list removes only the entries PlexSync wrote. A row also means PlexSync
owns the field: it keeps it locked and `reconcile` watches it. Tag lists are kept
as lists, everything else as text; JSON in one column keeps the table one shape.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping

Written = Mapping[str, object]
# Saved with every record, so "PlexSync owns nothing here" differs from "never recorded"
# (an item synced by PlexSync 1.x, which kept no such record).
RECORDED = "*"


class WrittenValues:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, rating_key: str) -> dict[str, object] | None:
        """What PlexSync wrote to the item, per field; None if it never kept a record of it."""
        rows = self.conn.execute(
            "SELECT field, value FROM written_values WHERE rating_key = ?", (rating_key,)
        ).fetchall()
        if not rows:
            return None
        return {field: _decode(value) for field, value in rows if field != RECORDED}

    def save(self, rating_key: str, values: Written) -> None:
        """Replace the item's record with `values` (fields absent are no longer owned)."""
        self.conn.execute("DELETE FROM written_values WHERE rating_key = ?", (rating_key,))
        self.conn.executemany(
            "INSERT INTO written_values (rating_key, field, value) VALUES (?, ?, ?)",
            [
                (rating_key, field, json.dumps(value))
                for field, value in sorted({**values, RECORDED: True}.items())
            ],
        )


def _decode(text: str) -> object:
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value
