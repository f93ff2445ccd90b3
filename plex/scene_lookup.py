"""Which Plex item is this scene: the one lookup the sync and the match report share.

The local index is built on first use for this server and library choice, which is
also when the server's platform is learnt (a Windows server folds case and slashes).
A scene that does not match surely re-reads the sections that could hold its file,
at most once a minute, because a new file appears in Plex only after a library scan.
A report that looked things up any other way could disagree with what a sync does.
"""

from __future__ import annotations

from collections.abc import Sequence

from plex.client import PlexClient
from plex.index import PlexIndex
from plex.matcher import HIGH, MatchResult, SceneFiles, match_scene
from plex.path_map import map_path
from validation.config import PathRule


class SceneLookup:
    def __init__(self, index: PlexIndex, plex: PlexClient, path_map: Sequence[PathRule]) -> None:
        self.index = index
        self.plex = plex
        self.path_map = tuple(path_map)

    def match(self, scene: SceneFiles, index_max_age: float | None = None) -> MatchResult:
        """Match against the index; a miss refreshes the sections that could hold the file.

        `index_max_age` shortens the minute between re-reads (right after a folder scan).
        """
        self.ensure()
        result = self.lookup(scene)
        if result.confidence != HIGH and scene.files:
            mapped = map_path(scene.files[0][0], self.path_map)
            if self.index.refresh_for_missing(mapped, index_max_age):
                result = self.lookup(scene)
        return result

    def ensure(self) -> None:
        """Build the index if this server and library choice has none (no request otherwise)."""
        self.index.ensure()

    def lookup(self, scene: SceneFiles) -> MatchResult:
        """The index's answer as it stands (no request): for reads started ahead of time."""
        windows = self.index.windows_server
        return match_scene(scene, self.path_map, self.index, windows, self.plex.machine_identifier)
