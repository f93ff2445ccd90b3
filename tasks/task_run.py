"""What every task gets: its args, the data directory, and settings/Stash/Plex on demand.

Tasks that only read local databases (queue_status, clear_dead_letters) never
contact Stash, so they still work when Stash's settings or Plex are broken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugin_core.data_dir import ensure_data_dir, resolve_data_dir
from plugin_core.protocol import progress
from plugin_core.timescale import time_scale
from stash_client.errors import StashError
from sync_queue.worker_messages import show_worker_messages
from tasks.errors import TaskError
from validation.config import SettingsError
from worker.context import Context, build_context
from worker.logs import configure_logging


@dataclass
class TaskRun:
    args: dict[str, Any]
    server_connection: dict[str, Any]
    data_dir: Path
    time_scale: float = 1.0
    _ctx: Context | None = field(default=None, repr=False)

    @classmethod
    def from_input(cls, plugin_input: dict[str, Any]) -> TaskRun:
        connection = plugin_input.get("server_connection") or {}
        data_dir = Path(ensure_data_dir(resolve_data_dir(connection)))
        configure_logging(data_dir, to_stash=True)
        show_worker_messages(data_dir, None)
        return cls(plugin_input["args"], connection, data_dir, time_scale())

    @property
    def ctx(self) -> Context:
        """Settings from Stash, validated; Stash and Plex clients. Built on first use."""
        if self._ctx is None:
            try:
                self._ctx = build_context(
                    self.data_dir, self.server_connection, to_stash=True, time_scale=self.time_scale
                )
            except (SettingsError, StashError) as exc:
                raise TaskError(str(exc)) from None
        return self._ctx

    def number_arg(self, name: str, default: float, low: float, high: float) -> float:
        value = self.args.get(name, default)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TaskError(
                f"args.{name}={value!r} is not a number; accepted {low:g}-{high:g}"
            ) from None
        if not low <= number <= high:
            raise TaskError(f"args.{name}={value!r} is out of range; accepted {low:g}-{high:g}")
        return number

    @staticmethod
    def progress(fraction: float) -> None:
        progress(fraction)
