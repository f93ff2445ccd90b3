"""The Plex items of a claimed batch, read together before any of them is written.

Plex answers `GET /library/metadata/<k1>,<k2>,...` with every item's full metadata,
so a batch of 100 scenes costs two reads instead of a hundred. The batch's scenes
are matched against the local index first; only a sure match (what the index
answers at once) is read here, a scene that needs more is read on its own turn.

An item absent from Plex's answer is "not found" for that scene only. A read that
fails (a 500, a timeout) fails the whole batch with one retry decision, so the
batch comes due again together and is read again with one request, not scene by
scene.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from plex.errors import NotFoundError, PlexError

if TYPE_CHECKING:
    from sync_queue.job_queue import ClaimedScene

_ABSENT = object()


class BatchItems:
    """Items read for the current batch; each is handed over once, then read fresh."""

    def __init__(self, fetch_items: Callable[[Iterable[str]], dict[str, Any]]) -> None:
        self._fetch_items = fetch_items
        self._items: dict[str, Any] = {}

    def load(self, rating_keys: Iterable[str]) -> None:
        """Read these items (raises the classified PlexError of a failed read)."""
        keys = list(dict.fromkeys(rating_keys))
        self._items = {}
        if keys:
            found = self._fetch_items(keys)
            self._items = {key: found.get(key, _ABSENT) for key in keys}

    def take(self, rating_key: str) -> Any | None:
        """The item as read with the batch, or None when it was not read (read it now).

        Taken once: a second scene on the same item reads it again, after the
        first scene's edit. Raises NotFoundError when Plex's answer lacked it.
        """
        item = self._items.pop(rating_key, None)
        if item is _ABSENT:
            raise NotFoundError(f"Plex item {rating_key} was not found in Plex (not in its answer)")
        return item

    def forget(self) -> None:
        self._items = {}


def read_batch(
    items: BatchItems,
    sure_key: Callable[[dict[str, Any]], str | None],
    batch: list[ClaimedScene],
    scenes: dict[str, dict[str, Any]],
) -> PlexError | None:
    """Read the batch's surely matched items; the failure when the read failed.

    A failure every scene would meet alike (an untrusted certificate, an unknown
    library) is left to the first scene's own turn, which stops the drain.
    """
    keys = (sure_key(scenes[c.scene_id]) for c in batch if c.scene_id in scenes)
    try:
        items.load(key for key in keys if key is not None)
    except PlexError as exc:
        items.forget()
        return None if exc.stops_drain else exc
    return None
