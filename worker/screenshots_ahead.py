"""The next scene's screenshot, downloaded from Stash while the current scene is written.

A changed scene's time is mostly waiting: for Plex to take the edit and the
poster, and for Stash to send the screenshot. One helper thread downloads the
screenshots of the current and the next scene of the batch, so the next one's
download overlaps the current scene's Plex writes. Only the download moves: the
bytes are handed to the scene's own sync, which compares and uploads them
exactly as before, and a failed download raises the same error on the scene's
own turn. At most `MAX_HELD` screenshots are held; the drain waits for the
helper at the end of every batch (so nothing else uses Stash meanwhile) and
closes it with the drain.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

MAX_HELD = 3  # the current scene's, the next one's, and one a skipped scene left


class ScreenshotsAhead:
    """`screenshot(url)` as the Stash reader answers it, downloaded ahead when asked."""

    def __init__(self, download: Callable[[str], bytes]) -> None:
        self._download = download
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: dict[str, Future[bytes]] = {}

    def prefetch(self, wanted: list[str | None]) -> None:
        """Download these screenshots ahead, in order; drop what none of them needs.

        `wanted` holds the screenshot links of the current and the next scene (None for
        a scene whose sync downloads none).
        """
        urls = [url for url in wanted if url]
        for url, future in list(self._ahead.items()):
            if url not in urls and (future.cancel() or future.done()):
                del self._ahead[url]
        for url in urls:
            if url not in self._ahead and len(self._ahead) < MAX_HELD:
                self._ahead[url] = self._helper().submit(self._download, url)

    def screenshot(self, url: str) -> bytes:
        """The screenshot: the one downloaded ahead (or its error), else downloaded now."""
        future = self._ahead.pop(url, None)
        return self._download(url) if future is None else future.result()

    def forget(self) -> None:
        """Drop what no scene took, once the helper is done with it (end of a batch)."""
        pending, self._ahead = list(self._ahead.values()), {}
        for future in pending:
            future.cancel()
        wait(pending)

    def close(self) -> None:
        self.forget()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _helper(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="plexsync-screenshots")
        return self._pool
