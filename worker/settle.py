"""Settling one claimed job after its sync: ack it, retry it later, dead-letter it, or stop.

What a failure means is read from its class attributes (plugin_core/failure.py);
an exception no one classified is PlexSync's own bug, reported with its traceback
and dead-lettered at once, and the drain goes on with the next scene.
"""

from __future__ import annotations

import logging
import random
import sqlite3
from dataclasses import dataclass, field

from plugin_core.failure import classify
from plugin_core.timescale import Clock
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job_queue import ClaimedScene, JobQueue
from sync_queue.scene_outcomes import record_outcome
from worker.circuit_breaker import CircuitBreaker
from worker.notices import WorkerNotices
from worker.retry import DEAD_LETTER, RetryDecision, decide_retry
from worker.stats import Stats
from worker.sync_step import NO_METADATA, SKIPPED, SYNCED, UNCHANGED, Outcome, describe

log = logging.getLogger("plexsync.worker")


class StopDraining(Exception):
    """Stop now and leave the jobs queued (Stash refused our credentials, settings broken)."""


@dataclass
class DrainResult:
    synced: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_no_metadata: int = 0
    failed: int = 0
    dead_lettered: int = 0
    remaining: int = 0
    stopped_reason: str | None = None
    processed: int = 0
    current_scene: str | None = None
    new_settings: object | None = None


@dataclass
class Settler:
    """Everything settling needs; one per drain."""

    queue: JobQueue
    dlq: DeadLetterQueue
    stats: Stats
    breaker: CircuitBreaker
    clock: Clock
    rng: random.Random
    max_retries: int
    result: DrainResult
    notices: WorkerNotices
    stop_when_server_down: bool = False
    outcomes: sqlite3.Connection | None = None  # where the UI reads each scene's last outcome
    _batch_failure: tuple[object, float] = field(default=(None, 0.0), init=False, repr=False)

    def succeeded(self, claimed: ClaimedScene, outcome: Outcome, started: float) -> None:
        self.queue.ack(claimed)
        now = self.clock.now()
        self.breaker.record_success(now)
        if self.outcomes is not None:
            record_outcome(self.outcomes, claimed.scene_id, outcome, now)
        if outcome.status in (SYNCED, UNCHANGED):
            self.notices.request_succeeded()
        # A scene that syncs after an earlier failure no longer needs review.
        if self.dlq.contains(claimed.scene_id) and self.dlq.remove([claimed.scene_id]):
            log.info("scene %s synced; its dead letter was removed", claimed.scene_id)
        if outcome.status == SKIPPED:
            self.result.skipped += 1
            log.log(logging.WARNING if outcome.warn else logging.INFO, "%s", outcome.message)
            return
        if outcome.status == NO_METADATA:
            self.result.skipped_no_metadata += 1
            self.stats.incr("skipped_no_metadata")
            log.info("%s", outcome.message)
            return
        if outcome.status == SYNCED:
            self.result.synced += 1
        elif outcome.status == UNCHANGED:
            self.result.unchanged += 1
        self.stats.record_sync(outcome.status, now - started, now)
        log.info("%s", outcome.message)

    def failed_with_batch(
        self, claimed: ClaimedScene, title: str, exc: Exception, position: int
    ) -> None:
        """One scene of a batch whose shared Plex read failed: every scene gets the same
        retry time and jitter, and the breaker counts the failure once, so the batch
        comes due again as a whole and is read again with one request."""
        if position == 0:
            self._batch_failure = (self.rng.getstate(), self.clock.now())
        jitter, now = self._batch_failure
        self.rng.setstate(jitter)
        self.failed(claimed, title, exc, at=now, count_breaker=position == 0)

    def failed(
        self,
        claimed: ClaimedScene,
        title: str,
        exc: Exception,
        at: float | None = None,
        count_breaker: bool = True,
    ) -> None:
        """Settle a failed sync; raise StopDraining when no other job could do better."""
        failure = classify(exc)
        if failure.is_bug:
            log.error(
                "scene %s: %s",
                claimed.scene_id,
                failure,
                exc_info=exc,
                extra={"stash_level": "debug"},
            )
        self.notices.failed(failure)
        if failure.stops_drain:
            self.queue.release([claimed])
            raise StopDraining(str(failure))
        now = self.clock.now() if at is None else at
        if failure.opens_breaker and count_breaker:
            self.notices.server_down(self.breaker.record_server_down(now), failure)
        decision = decide_retry(
            claimed.job, failure, self.max_retries, now, self.rng, self.clock.scale
        )
        self.stats.record_failure(decision.kind, str(failure), now)
        self.result.failed += 1
        who = describe(claimed.scene_id, title)
        if decision.action == DEAD_LETTER:
            self._dead_letter(claimed, title, decision, str(failure), now)
            return
        self.queue.retry_later(claimed, decision.job)
        if self.stop_when_server_down and failure.opens_breaker:
            raise StopDraining(f"{failure}; the background worker syncs when Plex is back")
        if decision.attempts_allowed:
            log.info(
                "%s: %s (%s); attempt %d of %d failed, next try in %.1f s",
                who,
                failure,
                decision.kind,
                decision.job.attempt,
                decision.attempts_allowed,
                decision.delay,
            )
        else:
            log.info("%s: %s; waiting for Plex, no attempt spent", who, failure)

    def _dead_letter(
        self, claimed: ClaimedScene, title: str, decision: RetryDecision, message: str, now: float
    ) -> None:
        self.dlq.add(decision.job, title, decision.kind, message, now)
        self.queue.ack(claimed)
        self.result.dead_lettered += 1
        self.stats.incr("dead_lettered")
        log.warning(
            "%s moved to the dead-letter queue (%s): %s. To fix: %s",
            describe(claimed.scene_id, title),
            decision.kind,
            message,
            decision.advice,
        )
