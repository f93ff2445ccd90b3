"""The circuit breaker: while Plex is down, stop spending attempts and probe instead.

State lives in the state database so the worker, a foreground task and
`queue_status` all see the same breaker. Transitions are pure functions of the
current state and `now`; `CircuitBreaker` only loads and stores them.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, replace

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"
FAILURE_THRESHOLD = 5
RESET_AFTER_S = 60.0
PROBE_CAP_S = 300.0


@dataclass(frozen=True)
class BreakerState:
    state: str = CLOSED
    failures: int = 0
    opened_at: float | None = None
    next_probe_at: float | None = None
    probes: int = 0


def on_success(_s: BreakerState) -> BreakerState:
    return BreakerState()


def on_server_down(
    s: BreakerState, now: float, rng: random.Random, scale: float = 1.0
) -> BreakerState:
    """Count a failure; open at the threshold; a failed probe re-opens with a longer wait.

    `scale` is PLEXSYNC_TIME_SCALE, applied to the wait before the next probe.
    """
    if s.state == CLOSED:
        failures = s.failures + 1
        if failures < FAILURE_THRESHOLD:
            return replace(s, failures=failures)
        return BreakerState(OPEN, failures, now, now + RESET_AFTER_S * scale, 0)
    probes = s.probes + 1
    wait = min(PROBE_CAP_S, RESET_AFTER_S * 2 ** min(probes, 8))
    wait = wait / 2 + rng.uniform(0, wait / 2)
    return BreakerState(OPEN, s.failures + 1, s.opened_at or now, now + wait * scale, probes)


def current(s: BreakerState, now: float) -> BreakerState:
    """An open breaker whose wait is over is half-open: one probe may go through."""
    if s.state == OPEN and s.next_probe_at is not None and now >= s.next_probe_at:
        return replace(s, state=HALF_OPEN)
    return s


class CircuitBreaker:
    """The breaker row in the state database."""

    def __init__(
        self, conn: sqlite3.Connection, rng: random.Random | None = None, scale: float = 1.0
    ) -> None:
        self.conn = conn
        self.rng = rng or random.Random()
        self.scale = scale

    def load(self, now: float) -> BreakerState:
        row = self.conn.execute(
            "SELECT state, failures, opened_at, next_probe_at, probes FROM breaker WHERE id = 1"
        ).fetchone()
        return current(BreakerState(*row) if row else BreakerState(), now)

    def record_success(self, now: float) -> BreakerState:
        before = self.load(now)
        return before if before == BreakerState() else self._store(on_success(before))

    def probe_now(self, now: float) -> None:
        """An open breaker probes at once (the user pointed PlexSync at another server)."""
        state = self.load(now)
        if state.state == OPEN:
            self._store(replace(state, next_probe_at=now))

    def record_server_down(self, now: float) -> BreakerState:
        return self._store(on_server_down(self.load(now), now, self.rng, self.scale))

    def _store(self, s: BreakerState) -> BreakerState:
        self.conn.execute(
            "INSERT OR REPLACE INTO breaker (id, state, failures, opened_at, next_probe_at, probes) "
            "VALUES (1, ?, ?, ?, ?, ?)",
            (s.state, s.failures, s.opened_at, s.next_probe_at, s.probes),
        )
        return s
