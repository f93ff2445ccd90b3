"""What the worker says about Plex and the settings: once per outage or fix, not per scene.

The drain loop reports events here; this module decides which are news for a
person (through the log, which the outbox hands to Stash) and keeps the notices
the hook reads: the settings problem, repeated by every hook until a request with
the current settings succeeds, and the worker's last error, shown by queue_status.

A refused token or an unreachable Plex is the settings' fault or Plex's, not the
scene's: once a request with working settings succeeds, the dead letters they
caused go back to the queue by themselves. A refused token's dead letters go back
only when the connection settings differ from those Plex refused, so a token that
Plex refuses for one item only cannot send a scene round in circles.

Standard library only (errors are told apart by their `kind`), so that a worker
missing a package can still leave its reason here.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plugin_core.protocol import redact
from sync_queue import outbox
from sync_queue.job import Job

log = logging.getLogger("plexsync.worker")
REQUEUED_AFTER_FIX = "requeued_after_fix"
AUTH_KINDS = frozenset({"auth"})
OUTAGE_KINDS = frozenset({"server_down", "timeout"})
SHOWN = {"outbox": True}
SETTINGS_HINT = "Stash > Settings > Plugins > PlexSync"


def connection_key(plex_url: str, token: str) -> str:
    """Which Plex address and token a problem was met with: a digest, never the token."""
    return hashlib.sha256(f"{plex_url}\0{token}".encode()).hexdigest()[:16]


class WorkerNotices:
    """The drain loop's reporter; one per Drainer, i.e. per set of settings."""

    def __init__(
        self,
        state: sqlite3.Connection,
        plex_url: str,
        token: str,
        requeue: Callable[[frozenset[str]], int],
        now: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.plex_url = plex_url
        self.key = connection_key(plex_url, token)
        self.requeue = requeue
        self.now = now
        self.confirmed = False

    def server_down(self, breaker: Any, error: Exception) -> None:
        """The breaker has just opened (not a failed probe of an open one): one warning."""
        if breaker.state == "open" and breaker.probes == 0:
            log.warning(
                "Plex is down: %s does not answer (%s). Syncing waits, spending no attempts, "
                "and goes on by itself once Plex answers; if Plex is running, check plexUrl in %s",
                self.plex_url,
                error,
                SETTINGS_HINT,
            )

    def plex_back(self) -> None:
        log.info(
            "Plex is back: Plex answers again at %s; resuming the queue", self.plex_url, extra=SHOWN
        )

    def settings_stop(self, error: Exception) -> None:
        """A refused token, an untrusted certificate, an unknown library: every scene fails alike."""
        message = redact(str(error))
        outbox.set_notice(self.state, outbox.SETTINGS_PROBLEM, message, self.now(), self.key)
        self.confirmed = False

    def failed(self, error: Exception) -> None:
        if getattr(error, "settings_problem", False):
            self.settings_stop(error)

    def request_succeeded(self) -> None:
        """Plex accepted a request with these settings: clear the problem, requeue its victims."""
        if self.confirmed:
            return
        self.confirmed = True
        problem = outbox.get_notice(self.state, outbox.SETTINGS_PROBLEM)
        kinds = OUTAGE_KINDS
        if problem is not None:
            outbox.clear_notice(self.state, outbox.SETTINGS_PROBLEM)
            log.info(
                "the settings work now (Plex accepted a request): resolved: %s",
                problem[0],
                extra=SHOWN,
            )
            if problem[2] != self.key:
                kinds = kinds | AUTH_KINDS
        requeued = self.requeue(kinds)
        if requeued:
            log.info(
                "%d dead letter(s) that failed because Plex refused the token or could not be "
                "reached went back to the queue by themselves",
                requeued,
                extra=SHOWN,
            )


def requeue_dead_letters(dlq: Any, queue: Any, kinds: frozenset[str], now: float) -> int:
    """Move the dead letters of these error kinds back to the queue as fresh jobs."""
    by_kind = dlq.counts_by_kind()
    if not any(by_kind.get(kind) for kind in kinds):
        return 0
    letters = [d for d in dlq.take_all() if d.error_kind in kinds]
    queue.enqueue(Job(d.scene_id, REQUEUED_AFTER_FIX, now) for d in letters)
    return dlq.remove([d.scene_id for d in letters])


def worker_failed(
    data_dir: Path, message: str, settings_problem: bool = False, tell: bool = False
) -> None:
    """Why the worker could not start or had to stop, for queue_status and, if a setting, hooks.

    `tell`: also put it in the outbox, for when logging itself could not be set up.
    """
    now, message = time.time(), redact(message)
    conn = outbox.open_outbox(data_dir)
    try:
        outbox.set_notice(conn, outbox.WORKER_LAST_ERROR, message, now)
        if settings_problem:
            outbox.set_notice(conn, outbox.SETTINGS_PROBLEM, message, now)
        if tell:
            outbox.add(conn, "error", f"worker not started: {message}", now)
    finally:
        conn.close()


def worker_started(data_dir: Path) -> None:
    conn = outbox.open_outbox(data_dir)
    try:
        outbox.clear_notice(conn, outbox.WORKER_LAST_ERROR)
    finally:
        conn.close()
