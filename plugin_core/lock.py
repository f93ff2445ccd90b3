"""The one-consumer lock: an OS file lock the kernel releases when its holder dies.

persist-queue is safe for many writers but not for several consumers, so exactly
one process may drain the queue. An OS lock (not a pid file) is released even on
SIGKILL, so a crashed worker never blocks the next one. `fcntl` exists only on
POSIX and `msvcrt` only on Windows; each is imported where it exists.
Standard library only: the hook checks this lock on every event.
"""

from __future__ import annotations

import io
import os

try:
    import fcntl
except ImportError:
    fcntl = None  # Windows
try:
    import msvcrt
except ImportError:
    msvcrt = None  # POSIX


class FileLock:
    """A non-blocking exclusive lock on one file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self._handle: io.TextIOWrapper | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        if self._handle is not None:
            return True
        handle = open(self.path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is None:
            return
        try:
            _unlock(self._handle)
        finally:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(handle: io.TextIOWrapper) -> None:
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    elif msvcrt is not None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:  # pragma: no cover - no known platform lacks both
        raise OSError("no file locking available on this platform")


def _unlock(handle: io.TextIOWrapper) -> None:
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    elif msvcrt is not None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


def is_locked(path: str | os.PathLike[str]) -> bool:
    """True when another process holds the lock (a worker is running)."""
    if not os.path.isdir(os.path.dirname(os.fspath(path))):
        return False
    probe = FileLock(path)
    if probe.acquire():
        probe.release()
        return False
    return True
