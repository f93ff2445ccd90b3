"""Reads for the next scenes of a batch, fetched while the current scene is written.

A changed scene costs a Plex GET and a Stash screenshot before its Plex writes.
Plex writes its library database one edit at a time, so writes stay sequential on
the drain's own thread; only these two reads run ahead, on a small thread pool,
`PLEXSYNC_READ_AHEAD` scenes ahead (default 1, 0 turns it off). Nothing here
touches SQLite, the breaker or the queue: a read's error is raised on the drain's
thread when that scene's turn comes, and classified there as if it were read then.

A read taken before an earlier scene of the batch wrote the same Plex item
(two scenes on one file) is stale, so `written()` drops it and the item is read
again when its turn comes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

ENV_READ_AHEAD = "PLEXSYNC_READ_AHEAD"
DEFAULT_READ_AHEAD = 1
MAX_READ_AHEAD = 4


def read_ahead_depth() -> int:
    """Scenes read ahead of the one being written, from the environment (0-4)."""
    try:
        depth = int(os.environ.get(ENV_READ_AHEAD, DEFAULT_READ_AHEAD))
    except ValueError:
        return DEFAULT_READ_AHEAD
    return min(max(depth, 0), MAX_READ_AHEAD)


@dataclass
class _Reads:
    rating_key: str
    item: Future | None
    screenshot: Future | None


class ReadAhead:
    """Starts and hands over the reads of scenes further down the batch."""

    def __init__(
        self,
        fetch_item: Callable[[str], Any] | None,
        fetch_screenshot: Callable[[str], bytes | None],
        depth: int,
    ) -> None:
        self.depth = depth
        self._fetch_item = fetch_item
        self._fetch_screenshot = fetch_screenshot
        self._pool = ThreadPoolExecutor(depth, "plexsync-read") if depth else None
        self._pending: dict[str, _Reads] = {}

    def start(self, scene_id: str, rating_key: str, screenshot_url: str | None) -> None:
        """Begin reading this scene's Plex item (and screenshot, when one is wanted)."""
        if self._pool is None or scene_id in self._pending:
            return
        item = self._pool.submit(self._fetch_item, rating_key) if self._fetch_item else None
        shot = self._pool.submit(self._fetch_screenshot, screenshot_url) if screenshot_url else None
        self._pending[scene_id] = _Reads(rating_key, item, shot)

    def started(self, scene_id: str) -> bool:
        return scene_id in self._pending

    def take(self, scene_id: str, rating_key: str) -> tuple[Future | None, Future | None]:
        """This scene's item read (if taken for this key and still fresh) and screenshot read."""
        reads = self._pending.pop(scene_id, None)
        if reads is None:
            return None, None
        item = reads.item if reads.rating_key == rating_key else None
        return item, reads.screenshot

    def written(self, rating_key: str) -> None:
        """An item was just written: reads of it taken before are stale."""
        for reads in self._pending.values():
            if reads.rating_key == rating_key and reads.item is not None:
                reads.item.cancel()
                reads.item = None

    def forget(self) -> None:
        """Drop every read not handed over (the batch ended or was released)."""
        for reads in self._pending.values():
            for future in (reads.item, reads.screenshot):
                if future is not None:
                    future.cancel()
        self._pending.clear()

    def close(self) -> None:
        self.forget()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
