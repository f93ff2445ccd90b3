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

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from plex.errors import NotFoundError, PlexError, TlsError
from plex.index import LibraryNotFound

if TYPE_CHECKING:
    from sync_queue.job_queue import ClaimedScene
    from worker.drain import Drainer

log = logging.getLogger("plexsync.worker")
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


def read_batch(drainer: Drainer, batch: list[ClaimedScene], scenes: dict[str, dict]) -> bool:
    """Read the batch's items; False when the read failed and the batch was settled."""
    keys = (drainer.syncer.sure_key(scenes[c.scene_id]) for c in batch if c.scene_id in scenes)
    try:
        drainer.items.load(key for key in keys if key is not None)
    except (TlsError, LibraryNotFound):
        drainer.items.forget()  # every scene would fail alike: its own turn stops the drain
        return True
    except PlexError as exc:
        drainer.items.forget()
        fail_batch(drainer, batch, scenes, exc)
        return False
    return True


def fail_batch(
    drainer: Drainer, batch: list[ClaimedScene], scenes: dict[str, dict], error: PlexError
) -> None:
    """Settle every scene of the batch with the same error and the same retry time."""
    from worker.drain import StopDraining

    log.info("reading the Plex items of %d scene(s) failed: %s", len(batch), error)
    jitter, now = drainer.rng.getstate(), drainer.now()
    for position, claimed in enumerate(batch):
        drainer.rng.setstate(jitter)  # one time, one jitter: the batch comes due as a whole
        title = (scenes.get(claimed.scene_id) or {}).get("title") or ""
        try:
            drainer._failed(claimed, title, error, count_down=position == 0, at=now)
        except StopDraining:
            drainer.queue.release(batch[position + 1 :])
            raise
        finally:
            drainer.result.processed += 1
            if drainer.progress:
                drainer.progress(drainer.result)
