"""Per scene, how its last sync ended: synced (with how sure the match was) or skipped, and why.

The sync records say what Plex last received; they cannot say that a later attempt
was skipped (an ambiguous match, `skipUnorganized`, a scene without files), nor how
sure the match was. The worker writes one row here per scene it settles, so the
scene panel in Stash's UI (`scene_status`) can show "skipped" with the reason and
the candidates to choose from. A table in the state database: it can be lost and
is rebuilt by the next sync.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Protocol

OUTCOMES_SCHEMA = """
CREATE TABLE IF NOT EXISTS scene_outcomes (
    scene_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    at REAL NOT NULL,
    reason TEXT,
    rating_key TEXT,
    confidence TEXT,
    candidates TEXT
);
"""
SYNCED = "synced"
SKIPPED = "skipped"
MAX_CANDIDATES = 10
# The worker's outcome statuses (worker/sync_step.py) and what the panel calls them.
_STATUS = {"synced": SYNCED, "unchanged": SYNCED, "skipped": SKIPPED, "no_metadata": SKIPPED}


class _Outcome(Protocol):
    status: str
    message: str
    rating_key: str | None


@dataclass(frozen=True)
class SceneOutcome:
    scene_id: str
    status: str
    at: float
    reason: str | None
    rating_key: str | None
    confidence: str | None
    candidates: tuple[dict[str, Any], ...]


def record_outcome(conn: sqlite3.Connection, scene_id: str, outcome: _Outcome, now: float) -> None:
    """Remember how the worker settled a scene; outcomes it does not name are ignored."""
    status = _STATUS.get(outcome.status)
    if status is None:
        return
    candidates = [
        {"rating_key": str(c.rating_key), "path": c.path, "size": c.size}
        for c in getattr(outcome, "candidates", ())[:MAX_CANDIDATES]
    ]
    conn.execute(
        "INSERT OR REPLACE INTO scene_outcomes VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            scene_id,
            status,
            now,
            getattr(outcome, "reason", None) or None,
            outcome.rating_key,
            getattr(outcome, "confidence", None),
            json.dumps(candidates) if candidates else None,
        ),
    )


def last_outcome(conn: sqlite3.Connection, scene_id: str) -> SceneOutcome | None:
    row = conn.execute(
        "SELECT scene_id, status, at, reason, rating_key, confidence, candidates "
        "FROM scene_outcomes WHERE scene_id = ?",
        (scene_id,),
    ).fetchone()
    if row is None:
        return None
    candidates = tuple(json.loads(row[6])) if row[6] else ()
    return SceneOutcome(*row[:6], candidates)
