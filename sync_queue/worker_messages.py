"""Showing in Stash's log what the background worker had to say (see sync_queue/outbox.py).

Every hook and task calls this: it prints the worker's messages nobody has seen
yet at their own level, each prefixed with when it happened. A hook prints at
most HOOK_LIMIT, then one line saying how many more wait and where to see them,
because Stash waits for every hook of a bulk edit in turn. Standard library only.
"""

from __future__ import annotations

import os

from plugin_core.protocol import log
from sync_queue.outbox import Delivery, read_for_hook, render

HOOK_LIMIT = 20
QUEUE_STATUS_TASK = "Queue status"


def show_worker_messages(
    data_dir: str | os.PathLike[str], limit: int | None, queued: str | None = None
) -> int:
    """Print unseen messages (all when `limit` is None); returns how many were printed.

    With `queued` (what the hook queued, e.g. "scene 12"), a settings problem the
    worker knows of is repeated as an error naming the setting: the job was queued
    but cannot sync until it is fixed.
    """
    delivery, problem = read_for_hook(os.fspath(data_dir), limit)
    _print(delivery, limit)
    if problem and queued:
        log(
            "error",
            f"PlexSync cannot sync: {problem}. {queued.capitalize()} is queued and syncs "
            "as soon as this is fixed",
        )
    return len(delivery.messages)


def _print(delivery: Delivery, limit: int | None) -> None:
    if delivery.dropped:
        log(
            "warning",
            f"{delivery.dropped} older PlexSync message(s) were dropped unseen (the outbox "
            "keeps the newest); see the log file in PlexSync's data folder",
        )
    for message in delivery.messages:
        log(message.level, render(message))
    if delivery.more and limit is not None:
        log(
            "warning",
            f"{delivery.more} more PlexSync message(s) are waiting: run the "
            f"'{QUEUE_STATUS_TASK}' task to see them all",
        )
