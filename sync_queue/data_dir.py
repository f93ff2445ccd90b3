"""Where PlexSync keeps its queue, dead letters, state, lock and log.

Standard library only: the hook resolves the data directory on every event.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

ENV_DATA_DIR = "STASH_PLUGIN_DATA"
PLUGIN_ROOT = Path(__file__).resolve().parent.parent

QUEUE_DB = "queue.db"
DLQ_DB = "dlq.db"
STATE_DB = "state.db"
WORKER_LOCK = "worker.lock"
LOG_DIR = "logs"


def resolve_data_dir(server_connection: dict[str, Any] | None) -> Path:
    """`$STASH_PLUGIN_DATA`, else `<PluginDir>/data`, else `data/` beside PlexSync.py."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    plugin_dir = (server_connection or {}).get("PluginDir")
    if isinstance(plugin_dir, str) and plugin_dir:
        return Path(plugin_dir) / "data"
    return PLUGIN_ROOT / "data"


def ensure_data_dir(path: Path) -> Path:
    """Create the folder readable by this user only: it holds the job history."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        with contextlib.suppress(OSError):  # not ours to change (e.g. a mounted volume)
            path.chmod(0o700)
    return path
