"""The sync loop: take due jobs in batches, sync each scene once, settle every job.

Used by the background worker (runs until the queue is idle) and by tasks that
drain in the foreground (stop when only jobs waiting for a retry remain). While
the circuit breaker is open no job is taken and no attempt is spent: the loop
waits, probes Plex, and carries on by itself when Plex answers again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hooks.protocol import missing_module_message
from plex.client import PlexClient
from plex.errors import PlexError, ServerDownError, TlsError, translate
from plex.index import LibraryNotFound, PlexIndex
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job_queue import ClaimedScene, JobQueue
from sync_queue.state_db import open_state_db
from sync_queue.sync_state import SyncRecords
from validation.config import Settings
from validation.metadata import InvalidMetadata
from worker.batch_reads import BatchItems, read_batch
from worker.circuit_breaker import HALF_OPEN, OPEN, CircuitBreaker
from worker.entity_jobs import EntityJobs
from worker.retry import DEAD_LETTER, decide_retry
from worker.settings_watch import SettingsWatch, plex_connection_changed
from worker.stash_reader import StashAuthError, StashError, StashReader
from worker.stats import Stats
from worker.status import WorkerStatus
from worker.sync_step import SKIPPED, SYNCED, UNCHANGED, SceneSyncer, describe
from worker.timescale import scaled

log = logging.getLogger("plexsync.worker")
BATCH_SIZE = 100
IDLE_POLL_S = 0.1
STASH_RETRY_S = 5.0
DLQ_SUMMARY_EVERY = 10
STASH_FAILURES_FOREGROUND = 3
STASH_FAILURES_BACKGROUND = 12


class StopDraining(Exception):
    """Stop now and leave the jobs queued (Stash refused our credentials, settings broken)."""


@dataclass
class DrainResult:
    synced: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    dead_lettered: int = 0
    remaining: int = 0
    stopped_reason: str | None = None
    processed: int = field(default=0)
    new_settings: Settings | None = None


class Drainer:
    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        stash: StashReader,
        plex: PlexClient,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
        now: Callable[[], float] = time.time,
        progress: Callable[[DrainResult], None] | None = None,
        watch: SettingsWatch | None = None,
        result: DrainResult | None = None,
    ) -> None:
        self.settings = settings
        self.stash = stash
        self.plex = plex
        self.stop = stop or threading.Event()
        self.rng = rng or random.Random()
        self.now = now
        self.progress = progress
        self.watch = watch
        self.queue = JobQueue(data_dir)
        self.dlq = DeadLetterQueue(data_dir)
        self.state = open_state_db(data_dir, check_same_thread=False)
        self.breaker = CircuitBreaker(self.state, self.rng)
        self.stats = Stats(self.state)
        self.status = WorkerStatus(self.state)
        self.index = PlexIndex(self.state, plex, settings.plex_libraries, now)
        self.items = BatchItems(plex.fetch_items)
        records = SyncRecords(self.state)
        self.entities = EntityJobs(stash, self.queue, records, settings, now)
        self.syncer = SceneSyncer(settings, plex, self.index, records, stash, now, self.items)
        self.result = result or DrainResult()
        self.result.new_settings = None
        self.stash_failures = 0
        self.max_stash_failures = STASH_FAILURES_BACKGROUND
        self.foreground = False

    def close(self) -> None:
        for closable in (self.queue, self.dlq, self.state):
            closable.close()

    def run(self, linger: float, stop_when_only_waiting: bool = False) -> DrainResult:
        """Drain until idle for `linger` seconds (or only retries remain, for tasks)."""
        idle_since: float | None = None
        self.foreground = stop_when_only_waiting
        if stop_when_only_waiting:
            self.max_stash_failures = STASH_FAILURES_FOREGROUND
        try:
            while not self.stop.is_set():
                if self._settings_changed():
                    break
                if not self._breaker_allows():
                    if stop_when_only_waiting:
                        raise StopDraining("Plex is unreachable (circuit breaker open)")
                    continue
                batch = self.queue.take_due(self.now(), BATCH_SIZE)
                if batch:
                    idle_since = None
                    self._process_batch(batch)
                    continue
                next_due = self.queue.next_due_at()
                if next_due is not None and not stop_when_only_waiting:
                    self._sleep(min(next_due - self.now(), IDLE_POLL_S * 4))
                    continue
                idle_since = idle_since or self.now()
                if self.now() - idle_since >= linger:
                    break
                self._sleep(min(IDLE_POLL_S, linger))
        except StopDraining as exc:
            self.result.stopped_reason = str(exc)
        self.queue.purge_acked()
        counts = self.queue.counts(self.now())
        self.result.remaining = counts.pending + counts.waiting_retry + counts.in_progress
        return self.result

    def _settings_changed(self) -> bool:
        """Stop the loop when the user changed the settings; the worker restarts it with them."""
        fresh = self.watch.poll() if self.watch else None
        if fresh is None:
            return False
        if plex_connection_changed(self.settings, fresh):
            self.breaker.probe_now(self.now())
        self.result.new_settings = fresh
        return True

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.stop.wait(seconds)

    def _breaker_allows(self) -> bool:
        state = self.breaker.load(self.now())
        if state.state == OPEN:
            self._sleep(min((state.next_probe_at or self.now()) - self.now(), IDLE_POLL_S * 4))
            return False
        if state.state == HALF_OPEN:
            try:
                self.plex.identity()
            except PlexError as exc:
                after = self.breaker.record_server_down(self.now())
                log.warning(
                    "Plex is still unreachable (%s); next check in %.0f s",
                    exc,
                    max(0.0, (after.next_probe_at or self.now()) - self.now()),
                )
                return False
            self.breaker.record_success(self.now())
            log.info("Plex answers again; resuming the queue")
        return True

    def _process_batch(self, batch: list[ClaimedScene]) -> None:
        entities = [c for c in batch if c.job.entity]
        batch = [c for c in batch if not c.job.entity]
        try:
            self.entities.expand(entities)
            scenes = self.stash.scenes_by_id([c.scene_id for c in batch])
        except StashAuthError as exc:
            self.queue.release(batch)
            raise StopDraining(str(exc)) from None
        except StashError as exc:
            self.queue.release(batch)
            self.stash_failures += 1
            if self.stash_failures >= self.max_stash_failures:
                raise StopDraining(
                    f"{exc}; gave up after {self.stash_failures} tries, jobs stay queued"
                ) from None
            log.warning("%s; trying again in %.0f s", exc, scaled(STASH_RETRY_S))
            self._sleep(scaled(STASH_RETRY_S))
            return
        self.stash_failures = 0
        try:
            self._sync_each(batch, scenes)
        finally:
            self.items.forget()

    def _sync_each(self, batch: list[ClaimedScene], scenes: dict[str, dict]) -> None:
        """One scene after another; on a stop or an open breaker the rest go back untouched."""
        if not read_batch(self, batch, scenes):
            return
        for position, claimed in enumerate(batch):
            if self.stop.is_set() or self.breaker.load(self.now()).state == OPEN:
                self.queue.release(batch[position:])
                return
            try:
                self._process_one(claimed, scenes.get(claimed.scene_id))
            except StopDraining:
                self.queue.release(batch[position + 1 :])
                raise

    def _process_one(self, claimed: ClaimedScene, scene: dict | None) -> None:
        self.status.heartbeat(self.now(), claimed.scene_id, self.result.processed)
        if scene is None:
            self.queue.ack(claimed)
            log.info("scene %s was deleted in Stash; nothing to sync", claimed.scene_id)
            return
        started = self.now()
        title = scene.get("title") or ""
        try:
            outcome = self.syncer.sync(scene)
        except StashAuthError as exc:
            self.queue.release([claimed])
            raise StopDraining(str(exc)) from None
        except (LibraryNotFound, TlsError) as exc:
            self.queue.release([claimed])
            raise StopDraining(str(exc)) from None
        except ModuleNotFoundError as exc:
            self.queue.release([claimed])
            raise StopDraining(missing_module_message(exc.name)) from None
        except (PlexError, InvalidMetadata) as exc:
            self._failed(claimed, title, exc)
        except Exception as exc:
            self._failed(claimed, title, _unexpected(exc, claimed.scene_id))
        else:
            self._succeeded(claimed, outcome, started)
        self.result.processed += 1
        if self.progress:
            self.progress(self.result)
        self._dlq_reminder()

    def _succeeded(self, claimed: ClaimedScene, outcome, started: float) -> None:
        self.queue.ack(claimed)
        self.breaker.record_success(self.now())
        # A scene that syncs after an earlier failure no longer needs review.
        if self.dlq.contains(claimed.scene_id) and self.dlq.remove([claimed.scene_id]):
            log.info("scene %s synced; its dead letter was removed", claimed.scene_id)
        if outcome.status == SYNCED:
            self.result.synced += 1
            self.stats.record_sync(self.now() - started, self.now())
            log.info("%s", outcome.message)
        elif outcome.status == UNCHANGED:
            self.result.unchanged += 1
            self.stats.incr("skipped_unchanged")
            self.stats.record_sync(self.now() - started, self.now())
            log.info("%s", outcome.message)
        elif outcome.status == SKIPPED:
            self.result.skipped += 1
            self.stats.incr("skipped")
            log.warning("%s", outcome.message)

    def _failed(
        self,
        claimed: ClaimedScene,
        title: str,
        error: Exception,
        count_down: bool = True,
        at: float | None = None,
    ) -> None:
        now = self.now() if at is None else at
        who = describe(claimed.scene_id, title)
        if isinstance(error, ServerDownError) and count_down:
            self.breaker.record_server_down(now)
        decision = decide_retry(claimed.job, error, self.settings.max_retries, now, self.rng)
        self.stats.record_failure(decision.kind, str(error), now)
        self.result.failed += 1
        if decision.action == DEAD_LETTER:
            self.dlq.add(decision.job, title, decision.kind, str(error), now)
            self.queue.ack(claimed)
            self.result.dead_lettered += 1
            self.stats.incr("dead_lettered")
            log.warning(
                "%s moved to the dead-letter queue (%s): %s. To fix: %s",
                who,
                decision.kind,
                error,
                decision.advice,
            )
            return
        self.queue.retry_later(claimed, decision.job)
        if self.foreground and type(error) is ServerDownError:
            raise StopDraining(f"{error}; the background worker syncs when Plex is back")
        if decision.attempts_allowed:
            log.info(
                "%s: %s (%s); attempt %d of %d failed, next try in %.1f s",
                who,
                error,
                decision.kind,
                decision.job.attempt,
                decision.attempts_allowed,
                decision.delay,
            )
        else:
            log.info("%s: %s; waiting for Plex, no attempt spent", who, error)

    def _dlq_reminder(self) -> None:
        if self.result.processed % DLQ_SUMMARY_EVERY == 0:
            self.log_dlq_summary()

    def log_dlq_summary(self) -> None:
        count = self.dlq.count()
        if count:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.dlq.counts_by_kind().items()))
            log.warning(
                "%d scene(s) are in the dead-letter queue (%s); see 'Queue status'", count, kinds
            )


def _unexpected(exc: Exception, scene_id: str) -> PlexError:
    try:
        return translate(exc, f"scene {scene_id}")
    except Exception:
        log.debug("unexpected error for scene %s", scene_id, exc_info=True)
        return PlexError(f"unexpected {type(exc).__name__}: {exc}")
