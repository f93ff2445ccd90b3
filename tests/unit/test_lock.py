"""The one-consumer lock: an OS file lock, so only one worker drains the queue."""

from __future__ import annotations

from pathlib import Path

from plugin_core.lock import FileLock, is_locked


def test_second_lock_on_the_same_file_cannot_be_taken(tmp_path: Path) -> None:
    path = tmp_path / "worker.lock"
    first, second = FileLock(path), FileLock(path)
    try:
        assert first.acquire()
        assert not second.acquire()
        assert is_locked(path)
    finally:
        first.release()
        second.release()


def test_is_locked_while_held_and_not_after_release(tmp_path: Path) -> None:
    path = tmp_path / "worker.lock"
    assert not is_locked(path)
    lock = FileLock(path)
    assert lock.acquire()
    assert is_locked(path)
    lock.release()
    assert not is_locked(path)


def test_released_lock_can_be_taken_by_another(tmp_path: Path) -> None:
    path = tmp_path / "worker.lock"
    first, second = FileLock(path), FileLock(path)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    assert not first.acquire()
    second.release()


def test_acquire_twice_by_the_holder_is_a_no_op(tmp_path: Path) -> None:
    lock = FileLock(tmp_path / "worker.lock")
    assert lock.acquire()
    assert lock.acquire()
    lock.release()
    lock.release()  # releasing an unheld lock is harmless
    assert not is_locked(tmp_path / "worker.lock")


def test_context_manager_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "worker.lock"
    with FileLock(path) as lock:
        assert lock.acquire()
        assert is_locked(path)
    assert not is_locked(path)
