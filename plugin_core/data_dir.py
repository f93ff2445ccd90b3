"""Where PlexSync keeps its queue, dead letters, state, lock and log.

Standard library only, and plain `os.path` strings rather than `pathlib` (which
costs the hook ~12 ms to import): the hook resolves the data directory on every
event. Callers that prefer `Path` wrap the result.
"""

from __future__ import annotations

import contextlib
import os

ENV_DATA_DIR = "STASH_PLUGIN_DATA"
PLUGIN_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

QUEUE_DB = "queue.db"
DLQ_DB = "dlq.db"
STATE_DB = "state.db"
WORKER_LOCK = "worker.lock"
LOG_DIR = "logs"


def resolve_data_dir(server_connection: dict[str, object] | None) -> str:
    """`$STASH_PLUGIN_DATA`, else `<PluginDir>/data`, else `data/` beside PlexSync.py."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return env
    plugin_dir = (server_connection or {}).get("PluginDir")
    if isinstance(plugin_dir, str) and plugin_dir:
        return os.path.join(plugin_dir, "data")
    return os.path.join(PLUGIN_ROOT, "data")


def ensure_data_dir(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """Create the folder readable by this user only (it holds the job history); returns `path`."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.name == "posix":
        with contextlib.suppress(OSError):  # not ours to change (e.g. a mounted volume)
            os.chmod(path, 0o700)
    return path
