"""Two requests to Plex at once, each waited for: the poster upload beside the edit.

A changed scene with a new poster costs Plex two round trips, the poster upload
and the one edit PUT, and both only wait for Plex. Sending them together halves
that wait. At most two requests are in flight, both for the same item, and both
have finished before the scene is settled, so the drain still sees one scene's
result at a time, in order. Only the Plex calls run on the helper thread; every
database write stays on the drain's thread. The helper is one long-lived thread
(starting a thread per scene cost more than a millisecond), ended with the drain.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


class SideBySide:
    """One helper thread for the call that goes beside the drain's own."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def run_both(
        self, beside: Callable[[], None], here: Callable[[], None]
    ) -> tuple[BaseException | None, BaseException | None]:
        """Run `beside` on the helper and `here` on this thread; return their errors, if any."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="plexsync-poster")
        future = self._pool.submit(beside)
        try:
            here()
        except BaseException as exc:  # handed back to the caller, who settles it
            return future.exception(), exc
        return future.exception(), None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
