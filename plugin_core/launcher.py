"""Starting the background worker without keeping Stash waiting.

Stash waits for a hook process and everything holding its stdout/stderr. The
worker therefore gets its own session (POSIX) or a detached process group
(Windows), /dev/null for output, and its connection details through a pipe that
is closed at once, so no secret is ever written to a file or a command line.
Standard library only: the hook calls this.
"""

from __future__ import annotations

import json
import os
import sys

from plugin_core.data_dir import PLUGIN_ROOT, WORKER_LOCK
from plugin_core.lock import is_locked

ENV_NO_WORKER = "PLEXSYNC_NO_WORKER"
ENTRY_POINT = os.path.join(PLUGIN_ROOT, "PlexSync.py")
WORKER_FLAG = "--worker"


def worker_disabled() -> bool:
    return os.environ.get(ENV_NO_WORKER, "") not in ("", "0")


def ensure_worker(
    data_dir: str | os.PathLike[str], server_connection: dict[str, object] | None
) -> bool:
    """Start a worker unless one holds the lock; True when one was started."""
    if worker_disabled() or is_locked(os.path.join(data_dir, WORKER_LOCK)):
        return False
    start_worker(data_dir, server_connection)
    return True


def start_worker(
    data_dir: str | os.PathLike[str], server_connection: dict[str, object] | None
) -> object:
    """Spawn the detached worker; `subprocess` is imported only when one is needed."""
    import subprocess

    payload = json.dumps({"server_connection": server_connection, "data_dir": os.fspath(data_dir)})
    kwargs: dict = {
        "stdin": subprocess.PIPE,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "close_fds": True,
        "cwd": os.fspath(data_dir),
    }
    if os.name == "nt":
        kwargs["creationflags"] = (
            subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        )
    else:
        kwargs["start_new_session"] = True
    proc = subprocess.Popen([sys.executable, ENTRY_POINT, WORKER_FLAG], **kwargs)
    try:
        proc.stdin.write(payload.encode("utf-8"))  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    except OSError:
        pass  # the worker died at start; the next event starts another
    return proc
