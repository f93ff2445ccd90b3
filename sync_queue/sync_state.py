"""Per scene, what was last sent to Plex: the fingerprint, the item, the poster, the studio.

Written only after Plex accepted the edit, so a crash in between costs one harmless
repeat and never a skipped edit. `sync_all` compares fingerprints against these
records to queue only scenes whose synced fields changed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class SyncRecord:
    scene_id: str
    fingerprint: str
    rating_key: str
    synced_at: float
    poster_sha: str | None = None
    studio_sent: str | None = None


class SyncRecords:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, scene_id: str) -> SyncRecord | None:
        row = self.conn.execute(
            "SELECT scene_id, fingerprint, rating_key, synced_at, poster_sha, studio_sent "
            "FROM sync_records WHERE scene_id = ?",
            (scene_id,),
        ).fetchone()
        return SyncRecord(*row) if row else None

    def fingerprints(self, scene_ids: list[str]) -> dict[str, str]:
        """Recorded fingerprints for many scenes in one query (sync_all compares pages)."""
        if not scene_ids:
            return {}
        marks = ",".join("?" * len(scene_ids))
        rows = self.conn.execute(
            f"SELECT scene_id, fingerprint FROM sync_records WHERE scene_id IN ({marks})", scene_ids
        )
        return dict(rows.fetchall())

    def save(self, record: SyncRecord) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO sync_records VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.scene_id,
                record.fingerprint,
                record.rating_key,
                record.synced_at,
                record.poster_sha,
                record.studio_sent,
            ),
        )

    def save_poster(self, scene_id: str, rating_key: str, poster_sha: str, now: float) -> None:
        """Remember an uploaded poster at once, so a failure before the edit is recorded
        does not upload it again. A new record gets an empty fingerprint: nothing else
        is known to be in Plex yet, so sync_all still queues the scene."""
        updated = self.conn.execute(
            "UPDATE sync_records SET poster_sha = ? WHERE scene_id = ? AND rating_key = ?",
            (poster_sha, scene_id, rating_key),
        ).rowcount
        if not updated:
            self.save(SyncRecord(scene_id, "", rating_key, now, poster_sha, None))
