"""The sync loop: take due jobs in batches, sync each scene once, settle every job.

Used by the background worker (runs until the queue is idle) and by tasks that
drain in the foreground (stop when only jobs waiting for a retry remain): the
difference is one `DrainMode`. While the circuit breaker is open no job is taken
and no attempt is spent: the loop waits, probes Plex, and carries on by itself when
Plex answers again. The `Drainer` is given its collaborators (worker/assembly.py
builds the real ones), so a test drives it with a stub syncer and a fake clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from plex.errors import PlexError
from plugin_core.timescale import Clock
from stash_client.errors import StashError
from sync_queue.job_queue import ClaimedScene, JobQueue
from validation.config import Settings
from worker.batch_reads import BatchItems, read_batch
from worker.circuit_breaker import HALF_OPEN, OPEN, CircuitBreaker
from worker.screenshots_ahead import ScreenshotsAhead
from worker.settings_watch import SettingsWatch, plex_connection_changed
from worker.settle import DrainResult, Settler, StopDraining
from worker.sync_step import Outcome

log = logging.getLogger("plexsync.worker")
BATCH_SIZE = 100
IDLE_POLL_S = 0.1
STASH_RETRY_S = 5.0
DLQ_SUMMARY_EVERY = 10

__all__ = ["BACKGROUND", "FOREGROUND", "DrainMode", "DrainResult", "Drainer", "StopDraining"]


@dataclass(frozen=True)
class DrainMode:
    """How a drain ends: the background worker lingers; a task stops when only retries wait."""

    name: str
    foreground: bool  # stop when only retries wait, and when Plex is down
    stash_failures_allowed: int  # failed Stash reads in a row before the drain stops
    linger_s: float  # idle time before the drain ends, before the time scale


BACKGROUND = DrainMode("background", foreground=False, stash_failures_allowed=12, linger_s=2.0)
FOREGROUND = DrainMode("foreground", foreground=True, stash_failures_allowed=3, linger_s=0.0)


class Syncer(Protocol):
    def sync(self, scene: dict[str, Any]) -> Outcome: ...
    def sure_key(self, scene: dict[str, Any]) -> str | None: ...
    def poster_url(self, scene: dict[str, Any]) -> str | None: ...


@dataclass
class DrainParts:
    """The drain's collaborators: stores, breaker, the scene syncer and the two remotes."""

    queue: JobQueue
    settler: Settler
    breaker: CircuitBreaker
    syncer: Syncer
    read_scenes: Callable[[list[str]], dict[str, dict[str, Any]]]  # Stash, by id
    probe_plex: Callable[[], None]
    items: BatchItems  # the Plex items of the batch being synced, read together
    expand_entities: Callable[[list[ClaimedScene]], None]  # renamed performers, tags, studios
    screenshots: ScreenshotsAhead | None = None  # the next scene's, read during this one's writes


class Drainer:
    def __init__(
        self,
        parts: DrainParts,
        settings: Settings,
        mode: DrainMode,
        clock: Clock,
        stop: threading.Event | None = None,
        progress: Callable[[DrainResult], None] | None = None,
        watch: SettingsWatch | None = None,
    ) -> None:
        self.parts = parts
        self.queue = parts.queue
        self.settler = parts.settler
        self.breaker = parts.breaker
        self.settings = settings
        self.mode = mode
        self.clock = clock
        self.stop = stop or threading.Event()
        self.progress = progress
        self.watch = watch
        self.result = parts.settler.result
        self.result.new_settings = None
        self.stash_failures = 0

    def run(self) -> DrainResult:
        """Drain until idle for the mode's linger (or, in the foreground, only retries remain)."""
        try:
            self._loop(self.clock.seconds(self.mode.linger_s))
        except StopDraining as exc:
            self.result.stopped_reason = str(exc)
        self.queue.purge_acked()
        counts = self.queue.counts(self.clock.now())
        self.result.remaining = counts.pending + counts.waiting_retry + counts.in_progress
        return self.result

    def _loop(self, linger: float) -> None:
        idle_since: float | None = None
        while not self.stop.is_set() and not self._settings_changed():
            if not self._breaker_allows():
                if self.mode.foreground:
                    raise StopDraining("Plex is unreachable (circuit breaker open)")
                continue
            batch = self.queue.take_due(self.clock.now(), BATCH_SIZE)
            if batch:
                idle_since = None
                self._process_batch(batch)
                continue
            next_due = self.queue.next_due_at()
            if next_due is not None and not self.mode.foreground:
                self._sleep(min(next_due - self.clock.now(), IDLE_POLL_S * 4))
                continue
            idle_since = idle_since or self.clock.now()
            if self.clock.now() - idle_since >= linger:
                return
            self._sleep(min(IDLE_POLL_S, linger))

    def _settings_changed(self) -> bool:
        """Stop the loop when the user changed the settings; the worker restarts it with them."""
        fresh = self.watch.poll() if self.watch else None
        if fresh is None:
            return False
        if plex_connection_changed(self.settings, fresh):
            self.breaker.probe_now(self.clock.now())
        self.result.new_settings = fresh
        return True

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.clock.sleep(seconds)

    def _breaker_allows(self) -> bool:
        now = self.clock.now()
        state = self.breaker.load(now)
        if state.state == OPEN:
            self._sleep(min((state.next_probe_at or now) - now, IDLE_POLL_S * 4))
            return False
        if state.state == HALF_OPEN:
            try:
                self.parts.probe_plex()
            except PlexError as exc:
                after = self.breaker.record_server_down(now)
                wait = max(0.0, (after.next_probe_at or now) - now)
                log.warning(
                    "Plex is still unreachable (%s); next check in %.0f s",
                    exc,
                    wait,
                    extra={"outbox": False},  # the outage was announced once when it began
                )
                return False
            self.breaker.record_success(now)
            self.settler.notices.plex_back()
        return True

    def _process_batch(self, claimed: list[ClaimedScene]) -> None:
        batch = [c for c in claimed if not c.job.entity]
        try:
            self.parts.expand_entities([c for c in claimed if c.job.entity])
            scenes = self.parts.read_scenes([c.scene_id for c in batch]) if batch else {}
        except StashError as exc:
            self.queue.release(batch)  # entity jobs not yet expanded were released already
            self._stash_failed(exc)
            return
        self.stash_failures = 0
        try:
            if self._read_items(batch, scenes):
                self._sync_each(batch, scenes)
        finally:
            self.parts.items.forget()
            if self.parts.screenshots is not None:
                self.parts.screenshots.forget()

    def _read_items(self, batch: list[ClaimedScene], scenes: dict[str, dict]) -> bool:
        """Read the batch's Plex items in one go; a failed read settles the batch as a whole."""
        error = read_batch(self.parts.items, self.parts.syncer.sure_key, batch, scenes)
        if error is None:
            return True
        log.info("reading the Plex items of %d scene(s) failed: %s", len(batch), error)
        for position, claimed in enumerate(batch):
            try:
                self.settler.failed_with_batch(claimed, _title(scenes, claimed), error, position)
            except StopDraining:
                self.queue.release(batch[position + 1 :])
                raise
            finally:
                self._count_processed()
        return False

    def _stash_failed(self, exc: StashError) -> None:
        """Stash could not be read: wait and read again, a bounded number of times."""
        self.stash_failures += 1
        if exc.stops_drain:
            raise StopDraining(str(exc))
        if self.stash_failures >= self.mode.stash_failures_allowed:
            raise StopDraining(
                f"{exc}; gave up after {self.stash_failures} tries, jobs stay queued"
            )
        wait = self.clock.seconds(STASH_RETRY_S)
        log.warning("%s; trying again in %.0f s", exc, wait)
        self._sleep(wait)

    def _sync_each(self, batch: list[ClaimedScene], scenes: dict[str, dict]) -> None:
        """One scene after another; on a stop or an open breaker the rest go back untouched."""
        for position, claimed in enumerate(batch):
            if self.stop.is_set() or self.breaker.load(self.clock.now()).state == OPEN:
                self.queue.release(batch[position:])
                return
            self._read_ahead(batch[position : position + 2], scenes)
            try:
                self._process_one(claimed, scenes.get(claimed.scene_id))
            except StopDraining:
                self.queue.release(batch[position + 1 :])
                raise

    def _read_ahead(self, window: list[ClaimedScene], scenes: dict[str, dict]) -> None:
        """This scene's and the next one's screenshots, downloaded on the helper thread."""
        if self.parts.screenshots is not None:
            found = (scenes.get(claimed.scene_id) for claimed in window)
            urls = [self.parts.syncer.poster_url(scene) for scene in found if scene is not None]
            self.parts.screenshots.prefetch(urls)

    def _process_one(self, claimed: ClaimedScene, scene: dict | None) -> None:
        self.result.current_scene = claimed.scene_id
        try:
            self._sync_one(claimed, scene)
        finally:
            self.result.current_scene = None
        self._count_processed()

    def _count_processed(self) -> None:
        self.result.processed += 1
        if self.progress:
            self.progress(self.result)
        if self.result.processed % DLQ_SUMMARY_EVERY == 0:
            self.log_dlq_summary()

    def _sync_one(self, claimed: ClaimedScene, scene: dict | None) -> None:
        if scene is None:
            self.queue.ack(claimed)
            log.info("scene %s was deleted in Stash; nothing to sync", claimed.scene_id)
            return
        started = self.clock.now()
        try:
            outcome = self.parts.syncer.sync(scene)
        except Exception as exc:  # every failure, classified or a bug, is settled in one place
            self.settler.failed(claimed, _title({claimed.scene_id: scene}, claimed), exc)
        else:
            self.settler.succeeded(claimed, outcome, started)

    def log_dlq_summary(self) -> None:
        dlq = self.settler.dlq
        count = dlq.count()
        if count:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(dlq.counts_by_kind().items()))
            log.warning(
                "%d scene(s) are in the dead-letter queue (%s); see 'Queue status'",
                count,
                kinds,
                extra={"outbox": False},  # each dead letter reached Stash's log when it happened
            )


def _title(scenes: dict[str, dict], claimed: ClaimedScene) -> str:
    return (scenes.get(claimed.scene_id) or {}).get("title") or ""
