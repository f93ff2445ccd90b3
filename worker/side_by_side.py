"""Two requests to Plex at once, each waited for: the poster upload beside the edit.

A changed scene with a new poster costs Plex two round trips, the poster upload
and the one edit PUT, and both only wait for Plex. Sending them together halves
that wait. At most two requests are in flight, both for the same item, and both
have finished before the scene is settled, so the drain still sees one scene's
result at a time, in order. Only the Plex calls run on the helper thread; every
database write stays on the drain's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_both(
    beside: Callable[[], None], here: Callable[[], None]
) -> tuple[BaseException | None, BaseException | None]:
    """Run `beside` on a helper thread and `here` on this one; return their errors, if any."""
    errors: list[BaseException | None] = [None]

    def helper() -> None:
        try:
            beside()
        except BaseException as exc:  # handed back to the caller, who settles it
            errors[0] = exc

    thread = threading.Thread(target=helper, name="plexsync-poster", daemon=True)
    thread.start()
    try:
        here()
    except BaseException as exc:
        thread.join()
        return errors[0], exc
    thread.join()
    return errors[0], None
