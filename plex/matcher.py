"""Which Plex item is this Stash scene? Pure: the index is passed in as a lookup.

Order, from surest to least sure: a Plex URL in the scene's URLs (written by the
Stash Plex agent), the exact mapped path, the same path with case and separators
folded on a Windows server, a unique file name with the same size. Every file of a
multi-file scene is tried. More than one candidate is low confidence: skipped and
reported unless the user allows ambiguous matches.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

from plex.path_map import basename, fold, map_path
from validation.config import PathRule

HIGH = "high"
LOW = "low"
NONE = "none"
_METADATA_KEY = re.compile(r"/library/metadata/(\d+)")
_SERVER_ID = re.compile(r"/server/([0-9a-fA-F]+)/")


@dataclass(frozen=True)
class Candidate:
    rating_key: str
    path: str
    size: int


@dataclass(frozen=True)
class MatchResult:
    rating_key: str | None
    confidence: str
    reason: str
    candidates: tuple[Candidate, ...] = ()


class IndexView(Protocol):
    def by_path(self, path: str) -> list[Candidate]: ...
    def by_folded(self, folded: str) -> list[Candidate]: ...
    def by_basename(self, name: str) -> list[Candidate]: ...
    def has_key(self, rating_key: str) -> bool: ...


@dataclass(frozen=True)
class SceneFiles:
    """What the matcher needs of a scene."""

    files: tuple[tuple[str, int], ...]
    urls: tuple[str, ...] = ()


def match_scene(
    scene: SceneFiles,
    rules: Sequence[PathRule],
    index: IndexView,
    windows_server: bool,
    machine_id: str = "",
) -> MatchResult:
    """The best Plex item for the scene, with a confidence and a reason a user can read."""
    by_url = _match_url(scene.urls, index, machine_id)
    if by_url:
        return by_url
    if not scene.files:
        return MatchResult(None, NONE, "the scene has no files")
    low: dict[Candidate, tuple[int, str]] = {}
    for path, size in scene.files:
        mapped = map_path(path, rules)
        result = _match_file(mapped, size, index, windows_server or "\\" in mapped)
        if result.confidence == HIGH:
            return result
        for candidate in result.candidates:
            low.setdefault(candidate, (size, mapped))
    if low:
        ranked = sorted(low, key=lambda c: _rank_key(c, *low[c]))
        keys = sorted({c.rating_key for c in ranked}, key=int)
        return MatchResult(
            ranked[0].rating_key,
            LOW,
            f"{len(keys)} Plex items could be this scene (keys {', '.join(keys)})",
            tuple(ranked),
        )
    shown = map_path(scene.files[0][0], rules)
    return MatchResult(None, NONE, f"no Plex item has the file {shown}")


def _match_url(urls: Sequence[str], index: IndexView, machine_id: str) -> MatchResult | None:
    for url in urls:
        text = unquote(url)
        found = _METADATA_KEY.search(text)
        server = _SERVER_ID.search(text)
        if not found or (server and machine_id and server.group(1).lower() != machine_id.lower()):
            continue
        if index.has_key(found.group(1)):
            return MatchResult(found.group(1), HIGH, "Plex URL in the scene's URLs")
    return None


def _distinct(candidates: list[Candidate]) -> list[Candidate]:
    seen: dict[str, Candidate] = {}
    for c in candidates:
        seen.setdefault(c.rating_key, c)
    return list(seen.values())


def _match_file(path: str, size: int, index: IndexView, fold_paths: bool) -> MatchResult:
    exact = _distinct(index.by_path(path))
    if len(exact) == 1:
        return MatchResult(exact[0].rating_key, HIGH, "same file path", tuple(exact))
    if fold_paths and not exact:
        exact = _distinct(index.by_folded(fold(path)))
        if len(exact) == 1:
            return MatchResult(
                exact[0].rating_key, HIGH, "same file path (case and slashes folded)", tuple(exact)
            )
    if len(exact) > 1:
        return MatchResult(None, LOW, "several Plex items share the file", tuple(exact))
    named = _distinct(index.by_basename(basename(path).casefold()))
    same_size = [c for c in named if size and c.size == size]
    if len(named) == 1 and same_size:
        return MatchResult(
            same_size[0].rating_key, HIGH, "unique file name with the same size", tuple(same_size)
        )
    return MatchResult(None, LOW if named else NONE, "file name only", tuple(named))


def _rank_key(candidate: Candidate, size: int, path: str) -> tuple[bool, int, int]:
    """Best first: same size, then longest common path suffix, then lowest ratingKey.

    Ranked against the scene file the candidate was found for.
    """
    return (
        candidate.size != size,
        -_common_suffix(fold(candidate.path), fold(path)),
        int(candidate.rating_key),
    )


def _common_suffix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a[::-1], b[::-1]]))  # noqa: RUF071 - characters, on purpose
