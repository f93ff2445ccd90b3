"""Which Plex library holds a file, and which folder to ask Plex to scan. Pure.

A library section lists its folders (`<Location path=...>`). The section that
holds a file is the one whose folder is the longest prefix of the file's path as
Plex sees it (CONTRACT §3, scanPlexFolders), compared by whole path components
and, for Windows-style folders, with either slash and any case.
"""

from __future__ import annotations

import ntpath
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

from plex.path_map import is_windows_path, strip_prefix


@dataclass(frozen=True)
class Holder:
    section_key: str
    location: str


def parent_folder(path: str) -> str:
    """The folder of a file, in the path's own slash style."""
    if not is_windows_path(path):
        return posixpath.dirname(path)
    folder = ntpath.dirname(path)
    drive_root = len(folder) == 3 and folder[1] == ":"
    return folder if drive_root else folder.rstrip("\\")


def holding_section(path: str, sections: Iterable[tuple[str, Iterable[str]]]) -> Holder | None:
    """The (section key, folder) whose folder is the longest prefix of `path`, if any."""
    best: Holder | None = None
    for key, locations in sections:
        for location in locations:
            if not location or strip_prefix(path, location) is None:
                continue
            if best is None or len(location.rstrip("\\/")) > len(best.location.rstrip("\\/")):
                best = Holder(key, location)
    return best
