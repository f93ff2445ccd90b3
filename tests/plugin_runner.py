"""Running PlexSync.py exactly as Stash does: a subprocess, JSON on stdin, another cwd."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "PlexSync.py"
PYCACHE = Path(tempfile.gettempdir()) / "plexsync-tests-pycache"


@dataclass
class PluginRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def result(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    @property
    def output(self) -> Any:
        return self.result["output"]

    @property
    def error(self) -> str | None:
        return self.result["error"]

    def log_lines(self, level: str | None = None) -> list[str]:
        """Stash log lines (prefix stripped), optionally of one level code (t,d,i,w,e)."""
        lines = []
        for line in self.stderr.splitlines():
            prefixed = line.startswith("\x01") and len(line) > 2 and line[2] == "\x02"
            if prefixed and line[1] != "p" and (level is None or line[1] == level):
                lines.append(line[3:])
        return lines

    def progress_values(self) -> list[float]:
        return [
            float(line[3:]) for line in self.stderr.splitlines() if line.startswith("\x01p\x02")
        ]


def run_plugin(
    payload: dict[str, Any] | bytes | str,
    env: dict[str, str],
    cwd: Path,
    entry: Path = ENTRY,
    timeout: float = 120,
    python: str = sys.executable,
) -> PluginRun:
    """One plugin process; stdin is written without a trailing newline, then closed."""
    raw = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    data = raw.encode() if isinstance(raw, str) else raw
    proc = subprocess.run(
        [python, str(entry)],
        input=data,
        capture_output=True,
        cwd=str(cwd),
        env=env,
        timeout=timeout,
        check=False,
    )
    return PluginRun(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def hook_input(
    connection: dict[str, Any],
    scene_id: Any,
    hook_type: str = "Scene.Update.Post",
    fields: list[str] | None = None,
    input_: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"id": scene_id, "type": hook_type}
    if fields is not None:
        context["inputFields"] = fields
        context["input"] = input_ if input_ is not None else {"id": str(scene_id)}
    return {"server_connection": connection, "args": {"hookContext": context}}


def task_input(connection: dict[str, Any], mode: str, **args: Any) -> dict[str, Any]:
    return {"server_connection": connection, "args": {"mode": mode, **args}}


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str = "condition",
) -> Any:
    """Poll until `predicate()` is truthy; fail with `message` at the deadline (never sleep-and-hope)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(interval)


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLEX", "STASH_PLUGIN"))}
    # As on a user's machine, the plugin's compiled modules are cached between runs
    # (outside the repository): without it every hook and task compiles them again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "STASH_PLUGIN_DATA": str(data_dir),
            "PLEXSYNC_TIME_SCALE": "0.01",
            "PYTHONPATH": str(ROOT.parent),
            "PYTHONPYCACHEPREFIX": str(PYCACHE),
        }
    )
    env.update(extra)
    return env


def worker_pid(data_dir: Path) -> int | None:
    """The pid the running worker wrote to its status row, if any."""
    path = data_dir / "state.db"
    if not path.exists():
        return None
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT pid FROM worker_status WHERE id = 1").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None
