"""The detached background worker process: one at a time, until the queue is idle.

The main thread owns the lock, signals, heartbeat and exit; the sync loop runs in
a daemon thread so a stuck network call can never keep the process alive after a
stop. The lock is taken before anything heavy is imported, so a burst of hooks
that each saw no worker costs one short-lived process each, not one full start.
After releasing the lock the worker looks once more for jobs, because a hook may
have seen the lock held a moment earlier and not started anyone.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

from plugin_core.data_dir import WORKER_LOCK, ensure_data_dir
from plugin_core.lock import FileLock
from plugin_core.protocol import missing_module_message

HEARTBEAT_S = 1.0


def run_worker_process(raw_stdin: bytes) -> int:
    """Entry of `PlexSync.py --worker`; exit code 0 unless the payload is unusable."""
    try:
        payload = json.loads(raw_stdin.decode("utf-8") or "{}")
        data_dir = Path(payload["data_dir"])
        connection = payload.get("server_connection") or {}
    except (ValueError, KeyError, TypeError):
        return 2
    lock = FileLock(ensure_data_dir(data_dir) / WORKER_LOCK)
    while lock.acquire():
        try:
            drained = _run_locked(data_dir, connection)
        except ModuleNotFoundError as exc:
            _last_words(data_dir, f"{missing_module_message(exc.name)}; the jobs stay queued")
            return 1
        finally:
            lock.release()
        if not drained or not _jobs_waiting(data_dir):
            break
    return 0


def _last_words(data_dir: Path, message: str) -> None:
    """Log a fatal start-up problem to the worker's log file with the standard library only."""
    import time

    from plugin_core.data_dir import LOG_DIR
    from plugin_core.utc import iso_utc

    (data_dir / LOG_DIR).mkdir(parents=True, exist_ok=True)
    stamp = iso_utc(time.time())
    record = {
        "ts": stamp,
        "level": "error",
        "logger": "plexsync.worker",
        "pid": os.getpid(),
        "msg": message,
    }
    with open(data_dir / LOG_DIR / "plexsync.log", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    from worker.notices import worker_failed

    worker_failed(data_dir, message, tell=True)


def _jobs_waiting(data_dir: Path) -> bool:
    from sync_queue.job_queue import JobQueue

    queue = JobQueue(data_dir)
    try:
        return queue.next_due_at() is not None
    finally:
        queue.close()


def _run_locked(data_dir: Path, connection: dict[str, Any]) -> bool:
    """Drain the queue; False when the worker had to stop with jobs left (see the log)."""
    import logging
    import time

    from worker.dependencies import ensure_packages

    ensure_packages()
    from plugin_core.timescale import time_scale
    from stash_client.errors import StashError
    from validation.config import SettingsError
    from worker.context import build_context
    from worker.notices import worker_failed, worker_started

    log = logging.getLogger("plexsync.worker")
    try:
        ctx = build_context(data_dir, connection, to_stash=False, time_scale=time_scale())
    except (SettingsError, StashError) as exc:
        log.error("worker not started: %s; the jobs stay queued", exc)
        worker_failed(data_dir, str(exc), settings_problem=isinstance(exc, SettingsError))
        return False
    log.info("worker started (pid %d)", os.getpid())
    worker_started(data_dir)
    stop = threading.Event()
    _install_signal_handlers(stop)
    runner = _WorkerThread(ctx, stop)
    # Closed before the lock goes, so no database file changes after the worker is seen gone.
    with runner.status_writer() as status:
        runner.start()
        while runner.is_alive():
            runner.join(HEARTBEAT_S)
            status.heartbeat(time.time(), runner.result.current_scene, runner.result.processed)
        status.stopped()
    log.info("worker finished: %s", runner.summary)
    return runner.drained and not stop.is_set()


def _install_signal_handlers(stop: threading.Event) -> None:
    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)


class _WorkerThread(threading.Thread):
    def __init__(self, ctx: Any, stop: threading.Event) -> None:
        from worker.settle import DrainResult

        super().__init__(name="plexsync-sync", daemon=True)
        self.ctx = ctx
        self.stop = stop
        self.summary = "nothing done"
        self.drained = False
        self.result = DrainResult()  # read by the main thread for the heartbeat

    def status_writer(self) -> Any:
        import time

        from sync_queue.state_db import open_state_db
        from worker.status import WorkerStatus

        status = WorkerStatus(open_state_db(self.ctx.data_dir))
        status.started(time.time())
        return status

    def run(self) -> None:
        """Drain; any failure is logged, never lost with the thread (jobs stay queued)."""
        import logging

        log = logging.getLogger("plexsync.worker")
        try:
            self._drain(log)
        except ModuleNotFoundError as exc:
            log.error("worker stopped: %s; the jobs stay queued", missing_module_message(exc.name))
        except Exception:
            log.exception("worker stopped by an unexpected error; jobs stay queued")

    def _drain(self, log: Any) -> None:
        import time

        from sync_queue.dlq import DeadLetterQueue
        from sync_queue.job_queue import JobQueue
        from worker.assembly import assembled_drain
        from worker.context import worker_context_with
        from worker.drain import BACKGROUND
        from worker.notices import worker_failed
        from worker.settings_watch import SettingsWatch

        with JobQueue(self.ctx.data_dir) as queue:
            orphans = queue.resume_orphans()
        if orphans:
            log.info("resumed %d job(s) a stopped worker left in progress", orphans)
        with DeadLetterQueue(self.ctx.data_dir) as dlq:
            dlq.purge_older_than(self.ctx.settings.dlq_retention_days, time.time())
        result, first = self.result, True
        while first or result.new_settings is not None:
            if not first:
                self.ctx = worker_context_with(self.ctx, result.new_settings)
                log.info("the settings changed in Stash; the worker carries on with the new ones")
            watch = SettingsWatch(self.ctx.stash, self.ctx.settings, scale=self.ctx.time_scale)
            with assembled_drain(
                self.ctx, BACKGROUND, self.stop, watch=watch, result=result
            ) as drainer:
                if first:
                    drainer.log_dlq_summary()
                first = False
                drainer.run()
        self.summary = (
            f"{result.synced} synced, {result.unchanged} already up to date, {result.skipped} skipped, "
            f"{result.skipped_no_metadata} without metadata in Stash, "
            f"{result.dead_lettered} dead-lettered, {result.remaining} remaining"
        )
        if result.stopped_reason:
            log.error("worker stopped: %s", result.stopped_reason)
            worker_failed(self.ctx.data_dir, f"stopped: {result.stopped_reason}")
        self.drained = result.stopped_reason is None
