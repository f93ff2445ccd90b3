"""Asking Plex to scan the folder of a file it does not show yet (scanPlexFolders).

A partial scan (`/library/sections/<id>/refresh?path=<folder>`, plexapi's
`LibrarySection.update(path=)`) adds a new file in seconds instead of waiting for
Plex's own schedule, and never rescans a whole library. One request per folder per
10 minutes across every PlexSync process, claimed in the state database, so a
Stash scan that adds 500 files to one folder costs Plex one scan.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence

from plex.client import PlexClient, SectionInfo
from plex.library_folders import holding_section, parent_folder
from sync_queue.state_db import kv_get, kv_set

log = logging.getLogger("plexsync.scan")
SCAN_INTERVAL_S = 600.0
# How long after a scan request the scene is looked for again within seconds; after
# that it waits on the ordinary "not in Plex yet" schedule.
SCAN_SETTLE_S = 120.0
FIRST_LOOK_S = 2.0


class FolderScans:
    def __init__(
        self,
        conn: sqlite3.Connection,
        client: PlexClient,
        now: Callable[[], float] = time.time,
        scale: float = 1.0,
    ) -> None:
        """`scale` is PLEXSYNC_TIME_SCALE, applied to every interval here."""
        self.conn = conn
        self.client = client
        self.now = now
        self.scale = scale

    def retry_after(self, scanned_at: float) -> float | None:
        """Seconds (before time scaling) until the next look for a file whose folder was scanned.

        Doubling from 2 s while the scan is fresh (2, 2, 4, 8 ... 64 s); None afterwards,
        for the ordinary "not in Plex yet" schedule.
        """
        elapsed = (self.now() - scanned_at) / self.scale
        return None if elapsed >= SCAN_SETTLE_S else max(FIRST_LOOK_S, elapsed)

    def fresh_look_age(self, scanned_at: float | None) -> float | None:
        """How old the index may be when looking for a file: seconds right after a scan."""
        if scanned_at is None or self.now() - scanned_at >= SCAN_SETTLE_S * self.scale:
            return None
        return FIRST_LOOK_S * self.scale

    def request(self, plex_path: str, sections: Sequence[SectionInfo]) -> float | None:
        """When the file's folder was last asked to be scanned (now, if just asked).

        None when no library in `sections` holds the file: no scan can find it, and
        the user is told once per folder how to fix that.
        """
        folder = parent_folder(plex_path)
        holder = holding_section(plex_path, [(s.key, s.locations) for s in sections])
        if holder is None:
            self._report_uncovered(folder, sections)
            return None
        now = self.now()
        if not self._claim(folder, holder.section_key, now):
            return self.last_scan(folder)
        try:
            self.client.scan_folder(holder.section_key, folder)
        except Exception:
            self.conn.execute(
                "DELETE FROM folder_scans WHERE folder = ? AND requested_at = ?", (folder, now)
            )
            raise
        title = next(s.title for s in sections if s.key == holder.section_key)
        log.info("asked Plex to scan the folder %s of library %r for new files", folder, title)
        return now

    def last_scan(self, folder: str) -> float | None:
        row = self.conn.execute(
            "SELECT requested_at FROM folder_scans WHERE folder = ?", (folder,)
        ).fetchone()
        return float(row[0]) if row else None

    def _claim(self, folder: str, section: str, now: float) -> bool:
        """Take the right to scan `folder` now; False while another scan of it is recent."""
        cursor = self.conn.execute(
            "INSERT INTO folder_scans (folder, section, requested_at) VALUES (?, ?, ?) "
            "ON CONFLICT(folder) DO UPDATE SET section = excluded.section, "
            "requested_at = excluded.requested_at WHERE folder_scans.requested_at < ?",
            (folder, section, now, now - SCAN_INTERVAL_S * self.scale),
        )
        return cursor.rowcount == 1

    def _report_uncovered(self, folder: str, sections: Sequence[SectionInfo]) -> None:
        key = f"uncovered_folder:{folder}"
        if kv_get(self.conn, key):
            return
        kv_set(self.conn, key, "1")
        folders = "; ".join(loc for s in sections for loc in s.locations) or "none"
        log.warning(
            "no Plex library holds the folder %s (library folders: %s), so Plex cannot find "
            "its files: fix pathMap in Stash > Settings > Plugins > PlexSync so that it turns "
            "Stash's path into Plex's, or add the folder to a library in Plex",
            folder,
            folders,
        )
