"""A scene whose file Plex does not show: the error to retry it with, and how fresh a look.

Without scanPlexFolders the scene waits for Plex's own scan ("not in Plex yet").
With it, Plex is asked to scan the file's folder (plex/folder_scans.py), the scene
is looked for again within seconds without spending attempts, and the index may be
re-read right away instead of once a minute.
"""

from __future__ import annotations

from plex.errors import AwaitingScanError, NotFoundError
from plex.folder_scans import FolderScans
from plex.index import PlexIndex
from plex.library_folders import parent_folder
from plex.matcher import MatchResult
from plex.path_map import map_path
from validation.config import Settings
from validation.metadata import SceneMetadata


class MissingFile:
    def __init__(self, settings: Settings, scans: FolderScans, index: PlexIndex) -> None:
        self.settings = settings
        self.scans = scans
        self.index = index

    def error(self, meta: SceneMetadata, match: MatchResult) -> NotFoundError:
        """Not found; with scanPlexFolders, after asking Plex to scan the file's folder."""
        reason = f"not in Plex: {match.reason}"
        if not self.settings.scan_plex_folders:
            return NotFoundError(reason)
        scanned_at = self.scans.request(self._plex_path(meta), self.index.sections())
        if scanned_at is None:
            return NotFoundError(f"{reason}; no Plex library holds its folder")
        wait = self.scans.retry_after(scanned_at)
        if wait is None:  # the scan is a few minutes old: the ordinary schedule again
            return NotFoundError(f"{reason}; Plex was asked to scan its folder")
        return AwaitingScanError(f"{reason}; Plex was asked to scan its folder", retry_after=wait)

    def index_max_age(self, meta: SceneMetadata) -> float | None:
        """Right after a folder scan, look in the index again within seconds, not a minute."""
        if not self.settings.scan_plex_folders or not meta.files:
            return None
        return self.scans.fresh_look_age(self.scans.last_scan(parent_folder(self._plex_path(meta))))

    def _plex_path(self, meta: SceneMetadata) -> str:
        return map_path(meta.files[0].path, self.settings.path_map)
