"""Translating a file path as Stash sees it into the path Plex sees.

Stash and Plex often run in different containers or machines, so the same file is
`/data/videos/a.mp4` to one and `/media/videos/a.mp4` or `D:\\videos\\a.mp4` to the
other. Rules are prefixes; the longest matching prefix wins; either slash style is
accepted on either side, and a prefix only matches whole path components.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from validation.config import PathRule

_DRIVE = re.compile(r"^[A-Za-z]:")


def is_windows_path(path: str) -> bool:
    return bool(_DRIVE.match(path)) or path.startswith("\\\\") or ("\\" in path and "/" not in path)


def fold(path: str) -> str:
    """The comparison key on a Windows server: one slash style, case folded."""
    return path.replace("\\", "/").casefold()


def basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def strip_prefix(path: str, prefix: str) -> str | None:
    """The rest of `path` after `prefix`, matching whole components and either slash style."""
    norm_path = path.replace("\\", "/")
    norm_prefix = prefix.replace("\\", "/").rstrip("/")
    windows = is_windows_path(prefix)
    left, right = (
        (norm_path.casefold(), norm_prefix.casefold()) if windows else (norm_path, norm_prefix)
    )
    if not left.startswith(right):
        return None
    rest = norm_path[len(norm_prefix) :]
    if rest and not rest.startswith("/"):
        return None
    return rest


def _join(prefix: str, rest: str) -> str:
    windows = is_windows_path(prefix)
    sep = "\\" if windows else "/"
    head = prefix.rstrip("\\/") if prefix.rstrip("\\/") else prefix
    tail = rest.replace("/", sep)
    if head.endswith(sep) and tail.startswith(sep):
        tail = tail[1:]
    return head + tail


def map_path(path: str, rules: Sequence[PathRule]) -> str:
    """Stash path -> Plex path by the longest matching rule; unchanged when none matches."""
    best: tuple[int, PathRule, str] | None = None
    for rule in rules:
        rest = strip_prefix(path, rule.stash_prefix)
        if rest is not None and (best is None or len(rule.stash_prefix) > best[0]):
            best = (len(rule.stash_prefix), rule, rest)
    if best is None:
        return path
    return _join(best[1].plex_prefix, best[2])
