"""The hook: validate the event, queue one job, make sure a worker runs, return.

Everything here is standard library and touches only the local queue database,
because Stash waits for each hook process, in sequence, with no timeout.
"""

from __future__ import annotations

import os
import sqlite3
import time

from hooks.hook_event import decide
from plugin_core.data_dir import QUEUE_DB, ensure_data_dir, resolve_data_dir
from plugin_core.launcher import ensure_worker
from plugin_core.protocol import log
from sync_queue.enqueue import enqueue
from sync_queue.job import Job
from sync_queue.sqlite_db import DatabaseFullError, is_disk_full
from sync_queue.worker_messages import HOOK_LIMIT, show_worker_messages


class HookFailure(Exception):
    """The job could not be written; the message says why and what to do."""


def handle_hook(plugin_input: dict[str, object]) -> str:
    """Return Stash's output string ('queued' or 'skipped: ...'); raise on bad input."""
    decision = decide(plugin_input["args"].get("hookContext"))
    connection = plugin_input.get("server_connection")
    data_dir = resolve_data_dir(connection)
    if not decision.queue:
        show_worker_messages(data_dir, HOOK_LIMIT)
        return f"skipped: {decision.reason}"
    what = f"{decision.entity or 'scene'} {decision.scene_id}"
    try:
        ensure_data_dir(data_dir)
    except OSError as exc:
        raise HookFailure(
            f"cannot queue {what}: cannot create the data folder {data_dir} "
            f"({exc.strerror or exc}); check STASH_PLUGIN_DATA and the folder's permissions"
        ) from None
    job = Job(decision.scene_id, decision.event, time.time(), entity=decision.entity)
    _write(os.path.join(data_dir, QUEUE_DB), job, what)
    ensure_worker(data_dir, connection)
    show_worker_messages(data_dir, HOOK_LIMIT, what)
    return "queued"


def _write(queue_db: str, job: Job, what: str) -> None:
    try:
        enqueue(queue_db, job, on_quarantine=_report_quarantine)
    except (DatabaseFullError, sqlite3.Error) as exc:
        if isinstance(exc, DatabaseFullError) or is_disk_full(exc, os.path.dirname(queue_db)):
            raise HookFailure(
                f"cannot queue {what}: the disk holding {os.path.dirname(queue_db)} is full; "
                "free some space, then run the 'Sync recent scenes' task"
            ) from None
        raise HookFailure(
            f"cannot queue {what}: queue database error ({exc}); "
            f"check that {os.path.dirname(queue_db)} is writable"
        ) from None


def _report_quarantine(path: str, moved: str) -> None:
    log(
        "error",
        f"the queue database {os.path.basename(path)} was corrupt and was moved aside to {os.path.basename(moved)}; "
        "a new queue was started. Run 'Sync all scenes' to catch up on anything it held.",
    )
