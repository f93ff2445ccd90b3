"""What health_check suggests for scenes it cannot match: pathMap, or a scan of the folder.

Pure. When the path PlexSync looked for lies inside no library's folder, Stash and
Plex see the files under different folders, which pathMap fixes. When it lies
inside one, the path is right and Plex simply has not scanned the file yet: a
library scan in Plex, or the scanPlexFolders setting, fixes that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from plex.path_map import is_windows_path

PATH_MAP_HINT = (
    "Stash and Plex see these files under different folders: compare plex_path_tried with "
    "the libraries' locations and set pathMap (stashPrefix=>plexPrefix) in "
    "Stash > Settings > Plugins > PlexSync"
)
SCAN_HINT = (
    "these files lie inside a Plex library's folder, so pathMap is right, but Plex has not "
    "scanned them yet: scan the library in Plex, or turn on scanPlexFolders so that PlexSync "
    "asks Plex to scan the folder of a file it cannot find"
)


def lies_under(path: str, folder: str) -> bool:
    """`path` is `folder` or inside it (whole components; case and slashes folded on Windows)."""
    norm_path = path.replace("\\", "/")
    norm_folder = folder.replace("\\", "/").rstrip("/")
    if is_windows_path(folder):
        norm_path, norm_folder = norm_path.casefold(), norm_folder.casefold()
    return norm_path == norm_folder or norm_path.startswith(norm_folder + "/")


def unmatched_hint(paths_tried: Iterable[str], locations: Sequence[str]) -> str | None:
    """pathMap when some path lies in no library folder; scanPlexFolders when all do."""
    tried = list(paths_tried)
    if not tried:
        return None
    if all(any(lies_under(p, loc) for loc in locations) for p in tried):
        return SCAN_HINT
    return PATH_MAP_HINT
