"""From `args.mode` to the task that handles it: the one list of task modes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tasks.dead_letter_tasks import clear_dead_letters, purge_dead_letters, retry_dead_letters
from tasks.errors import UnknownModeError
from tasks.plex_checks import health_check, match_report
from tasks.queue_tasks import process_queue, queue_status
from tasks.sync_tasks import sync_all, sync_recent
from tasks.task_run import TaskRun

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
}


def run_task(plugin_input: dict[str, Any]) -> dict[str, Any]:
    """Run the task named by `args.mode`; raise UnknownModeError for anything else."""
    mode = plugin_input["args"].get("mode")
    handler = TASKS.get(mode) if isinstance(mode, str) else None
    if handler is None:
        shown = "missing" if mode is None else repr(mode)[:60]
        raise UnknownModeError(f"unknown task mode {shown}; expected one of: {', '.join(TASKS)}")
    return handler(TaskRun.from_input(plugin_input))
