"""The poster upload beside the edit: both in flight at once, both finished, errors handed back."""

from __future__ import annotations

import threading

import pytest

from worker.side_by_side import SideBySide


@pytest.fixture
def beside():
    helper = SideBySide()
    yield helper
    helper.close()


def test_both_calls_are_in_flight_at_the_same_time(beside: SideBySide) -> None:
    both_started = threading.Barrier(2, timeout=10)
    threads: list[str] = []

    def call() -> None:
        threads.append(threading.current_thread().name)
        both_started.wait()  # breaks (and raises) unless the other call runs meanwhile

    assert beside.run_both(call, call) == (None, None)
    assert len(threads) == 2
    assert any(name.startswith("plexsync-poster") for name in threads)


def test_errors_are_returned_for_each_call_after_both_finished(beside: SideBySide) -> None:
    finished: list[str] = []

    def upload() -> None:
        finished.append("upload")
        raise ValueError("poster refused")

    def edit() -> None:
        finished.append("edit")
        raise KeyError("edit refused")

    upload_error, edit_error = beside.run_both(upload, edit)
    assert isinstance(upload_error, ValueError) and isinstance(edit_error, KeyError)
    assert sorted(finished) == ["edit", "upload"]


def test_the_helper_has_finished_when_only_this_threads_call_failed(beside: SideBySide) -> None:
    release = threading.Event()
    finished: list[str] = []

    def slow_upload() -> None:
        assert release.wait(10)
        finished.append("upload")

    def failing_edit() -> None:
        release.set()
        raise RuntimeError("edit failed")

    upload_error, edit_error = beside.run_both(slow_upload, failing_edit)
    assert upload_error is None and isinstance(edit_error, RuntimeError)
    assert finished == ["upload"]


def test_close_ends_the_helper_thread() -> None:
    helper = SideBySide()
    helper.run_both(lambda: None, lambda: None)
    helper.close()
    names = [thread.name for thread in threading.enumerate()]
    assert not any(name.startswith("plexsync-poster") for name in names)
