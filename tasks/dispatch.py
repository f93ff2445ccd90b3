"""From `args.mode` to the task that handles it: the one list of task modes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from plex.errors import PlexError
from plex.index import LibraryNotFound
from sync_queue.data_dir import resolve_data_dir
from sync_queue.sqlite_db import DatabaseFullError
from tasks.dead_letter_tasks import clear_dead_letters, purge_dead_letters, retry_dead_letters
from tasks.errors import TaskError, UnknownModeError
from tasks.plex_checks import health_check, match_report
from tasks.queue_tasks import process_queue, queue_status
from tasks.reconcile import reconcile
from tasks.sync_tasks import sync_all, sync_recent
from tasks.task_run import TaskRun
from validation.config import SettingsError
from worker.stash_reader import StashError

TASKS: dict[str, Callable[[TaskRun], dict[str, Any]]] = {
    "sync_all": sync_all,
    "sync_recent": sync_recent,
    "process_queue": process_queue,
    "queue_status": queue_status,
    "retry_dead_letters": retry_dead_letters,
    "clear_dead_letters": clear_dead_letters,
    "purge_dead_letters": purge_dead_letters,
    "health_check": health_check,
    "match_report": match_report,
    "reconcile": reconcile,
}


def run_task(plugin_input: dict[str, Any]) -> dict[str, Any]:
    """Run the task named by `args.mode`; raise UnknownModeError for anything else."""
    mode = plugin_input["args"].get("mode")
    handler = TASKS.get(mode) if isinstance(mode, str) else None
    if handler is None:
        if mode is None:
            raise UnknownModeError(
                "the input has neither a hook context nor a task mode ('args.mode'); "
                f"expected a mode, one of: {', '.join(TASKS)}"
            )
        raise UnknownModeError(
            f"unknown task mode {repr(mode)[:60]}; expected one of: {', '.join(TASKS)}"
        )
    try:
        return handler(TaskRun.from_input(plugin_input))
    except (StashError, PlexError, SettingsError, LibraryNotFound) as exc:
        raise TaskError(f"{mode}: {exc}") from None
    except (sqlite3.Error, OSError, DatabaseFullError) as exc:
        data_dir = resolve_data_dir(plugin_input.get("server_connection"))
        raise TaskError(
            f"{mode}: cannot use the data folder {data_dir} ({type(exc).__name__}: {exc}); "
            "check its free space and permissions"
        ) from None
