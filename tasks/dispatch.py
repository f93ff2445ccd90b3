"""From `args.mode` to the task that handles it: the one list of task modes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from plex.errors import PlexError
from plugin_core.data_dir import resolve_data_dir
from stash_client.errors import StashError
from sync_queue.sqlite_db import DatabaseFullError
from tasks.dead_letter_tasks import clear_dead_letters, purge_dead_letters, retry_dead_letters
from tasks.errors import TaskError, UnknownModeError
from tasks.plex_checks import health_check, match_report
from tasks.queue_tasks import process_queue, queue_status
from tasks.reconcile import reconcile
from tasks.scene_status import scene_status
from tasks.scene_tasks import clear_queue, list_dead_letters, retry_dead_letter, sync_scene
from tasks.sync_tasks import sync_all, sync_recent
from tasks.task_run import TaskRun
from validation.config import SettingsError

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
    "clear_queue": clear_queue,
    "scene_status": scene_status,
    "sync_scene": sync_scene,
    "list_dead_letters": list_dead_letters,
    "retry_dead_letter": retry_dead_letter,
    "reconcile": reconcile,
}
# Modes for Stash's UI (ui/) and for scripts, with no task button in PlexSync.yml.
WITHOUT_BUTTON = frozenset({"scene_status", "sync_scene", "list_dead_letters", "retry_dead_letter"})


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
    except (StashError, PlexError, SettingsError) as exc:
        raise TaskError(f"{mode}: {exc}") from None
    except (sqlite3.Error, OSError, DatabaseFullError) as exc:
        data_dir = resolve_data_dir(plugin_input.get("server_connection"))
        raise TaskError(
            f"{mode}: cannot use the data folder {data_dir} ({type(exc).__name__}: {exc}); "
            "check its free space and permissions"
        ) from None
