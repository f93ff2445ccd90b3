"""Shared fixtures: the fake servers, and a plugin wired to them as Stash would wire it."""

from __future__ import annotations

import os
import signal
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_plex import FakePlex
from tests.fakes.fake_stash import FakeStash
from tests.plugin_runner import (
    PluginRun,
    base_env,
    hook_input,
    run_plugin,
    task_input,
    wait_until,
    worker_pid,
)

pytest_plugins = ["tests.fakes.plex_fixtures", "tests.fakes.stash_fixtures"]


@dataclass
class PluginEnv:
    """A plugin folder, its data directory and the fakes it talks to."""

    plex: FakePlex
    stash: FakeStash
    data_dir: Path
    cwd: Path
    env: dict[str, str]

    @property
    def connection(self) -> dict[str, Any]:
        return self.stash.server_connection(
            plugin_dir=str(self.data_dir.parent), stash_dir=str(self.cwd)
        )

    def settings(self, **values: Any) -> None:
        base = {"plexUrl": self.plex.url, "plexToken": self.plex.token}
        self.stash.plugin_settings = {"PlexSync": {**base, **values}}

    def hook(
        self,
        scene_id: Any,
        hook_type: str = "Scene.Update.Post",
        fields: list[str] | None = None,
        **env: str,
    ) -> PluginRun:
        return run_plugin(
            hook_input(self.connection, scene_id, hook_type, fields), {**self.env, **env}, self.cwd
        )

    def task(self, mode: str, **args: Any) -> PluginRun:
        return run_plugin(task_input(self.connection, mode, **args), self.env, self.cwd)

    def queue_rows(self) -> list[tuple[int, bytes, float, int]]:
        path = self.data_dir / "queue.db"
        if not path.exists():
            return []
        conn = sqlite3.connect(path)
        try:
            return conn.execute(
                "SELECT _id, data, timestamp, status FROM ack_queue_default"
            ).fetchall()
        finally:
            conn.close()

    def open_jobs(self) -> int:
        return sum(1 for row in self.queue_rows() if row[3] in (0, 1, 2))

    def worker_pid(self) -> int | None:
        return worker_pid(self.data_dir)

    def worker_running(self) -> bool:
        from plugin_core.lock import is_locked

        return is_locked(self.data_dir / "worker.lock")

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until the queue is empty and no worker holds the lock."""
        wait_until(
            lambda: self.open_jobs() == 0 and not self.worker_running(),
            timeout,
            message="the queue to drain and the worker to exit",
        )

    def log_file_lines(self) -> list[str]:
        log_dir = self.data_dir / "logs"
        return [
            line
            for f in sorted(log_dir.glob("plexsync.log*"))
            for line in f.read_text("utf-8").splitlines()
        ]


@pytest.fixture
def plugin_env(fake_plex: FakePlex, fake_stash: FakeStash, tmp_path: Path) -> Iterator[PluginEnv]:
    plugin_dir = tmp_path / "plugins" / "PlexSync"
    data_dir = plugin_dir / "data"
    cwd = tmp_path / "stash-cwd"
    cwd.mkdir(parents=True)
    env = PluginEnv(fake_plex, fake_stash, data_dir, cwd, base_env(data_dir))
    env.settings()
    yield env
    _stop_worker(env)


def _stop_worker(env: PluginEnv) -> None:
    """No test may leave a worker behind: wait briefly for it to exit, then kill it."""
    try:
        wait_until(lambda: not env.worker_running(), 10, message="the worker to exit")
    except AssertionError:
        pid = env.worker_pid()
        if pid:
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
