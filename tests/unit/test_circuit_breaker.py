"""The circuit breaker: stop spending attempts while Plex is down, probe instead."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sync_queue.state_db import open_state_db
from worker.circuit_breaker import (
    CLOSED,
    FAILURE_THRESHOLD,
    HALF_OPEN,
    OPEN,
    PROBE_CAP_S,
    RESET_AFTER_S,
    BreakerState,
    CircuitBreaker,
    current,
    on_server_down,
    on_success,
)

pytestmark = pytest.mark.usefixtures("real_time")
NOW = 1_000.0


def failures(n: int, start: BreakerState | None = None, now: float = NOW) -> BreakerState:
    s = start or BreakerState()
    rng = random.Random(3)
    for _ in range(n):
        s = on_server_down(current(s, now), now, rng)
    return s


def test_stays_closed_below_the_threshold() -> None:
    s = failures(FAILURE_THRESHOLD - 1)
    assert (s.state, s.failures) == (CLOSED, 4)
    assert FAILURE_THRESHOLD == 5


def test_opens_after_five_failures_with_a_reset_time() -> None:
    s = failures(5)
    assert s == BreakerState(OPEN, 5, NOW, NOW + RESET_AFTER_S, 0)


def test_open_breaker_becomes_half_open_when_the_reset_time_is_reached() -> None:
    s = failures(5)
    assert current(s, NOW + RESET_AFTER_S - 0.001).state == OPEN
    assert current(s, NOW + RESET_AFTER_S).state == HALF_OPEN


def test_failed_probe_reopens_with_a_longer_wait() -> None:
    opened = failures(5)
    probe_at = opened.next_probe_at
    assert probe_at is not None
    reopened = on_server_down(current(opened, probe_at), probe_at, random.Random(0))
    assert reopened.state == OPEN
    assert reopened.probes == 1
    assert reopened.opened_at == NOW
    assert RESET_AFTER_S <= reopened.next_probe_at - probe_at <= 2 * RESET_AFTER_S


def test_probe_waits_grow_to_the_cap_and_stay_there() -> None:
    s = failures(5)
    rng = random.Random(5)
    waits = []
    for _ in range(10):
        at = s.next_probe_at
        s = on_server_down(current(s, at), at, rng)
        waits.append(s.next_probe_at - at)
    assert waits[-1] >= PROBE_CAP_S / 2
    assert all(w <= PROBE_CAP_S for w in waits)
    assert min(waits[3:]) > max(waits[:1]) / 2


def test_success_closes_the_breaker_and_forgets_failures() -> None:
    assert on_success(failures(5)) == BreakerState()
    assert on_success(failures(3)) == BreakerState()


def test_reset_time_follows_time_scale() -> None:
    s = BreakerState()
    for _ in range(FAILURE_THRESHOLD):
        s = on_server_down(s, NOW, random.Random(3), scale=0.01)
    assert s.next_probe_at == pytest.approx(NOW + RESET_AFTER_S * 0.01)


def test_a_stored_breaker_applies_its_time_scale(tmp_path: Path) -> None:
    conn = open_state_db(tmp_path)
    try:
        breaker = CircuitBreaker(conn, random.Random(1), scale=0.01)
        for _ in range(FAILURE_THRESHOLD):
            state = breaker.record_server_down(NOW)
        assert state.next_probe_at == pytest.approx(NOW + RESET_AFTER_S * 0.01)
    finally:
        conn.close()


# stored in SQLite ---------------------------------------------------------------------


def test_breaker_state_is_seen_by_a_second_process(tmp_path: Path) -> None:
    worker_conn, status_conn = open_state_db(tmp_path), open_state_db(tmp_path)
    try:
        worker = CircuitBreaker(worker_conn, random.Random(1))
        observer = CircuitBreaker(status_conn, random.Random(2))
        assert observer.load(NOW).state == CLOSED
        for _ in range(FAILURE_THRESHOLD):
            worker.record_server_down(NOW)
        assert observer.load(NOW).state == OPEN
        assert observer.load(NOW + RESET_AFTER_S).state == HALF_OPEN
        observer.record_server_down(NOW + RESET_AFTER_S)  # a failed probe, by the other process
        assert worker.load(NOW + RESET_AFTER_S).probes == 1
        worker.record_success(NOW + 1_000)
        assert observer.load(NOW + 1_000) == BreakerState()
    finally:
        worker_conn.close()
        status_conn.close()


def test_breaker_state_survives_reopening_the_database(tmp_path: Path) -> None:
    conn = open_state_db(tmp_path)
    breaker = CircuitBreaker(conn)
    for _ in range(FAILURE_THRESHOLD):
        breaker.record_server_down(NOW)
    conn.close()
    conn = open_state_db(tmp_path)
    try:
        assert CircuitBreaker(conn).load(NOW).state == OPEN
    finally:
        conn.close()


def test_success_on_a_closed_breaker_writes_nothing(tmp_path: Path) -> None:
    conn = open_state_db(tmp_path)
    try:
        assert CircuitBreaker(conn).record_success(NOW) == BreakerState()
        assert conn.execute("SELECT COUNT(*) FROM breaker").fetchone()[0] == 0
    finally:
        conn.close()


def test_success_after_some_failures_resets_the_count(tmp_path: Path) -> None:
    conn = open_state_db(tmp_path)
    try:
        breaker = CircuitBreaker(conn)
        for _ in range(FAILURE_THRESHOLD - 1):
            breaker.record_server_down(NOW)
        breaker.record_success(NOW)
        breaker.record_server_down(NOW)
        assert breaker.load(NOW) == BreakerState(CLOSED, 1)
    finally:
        conn.close()


def test_probe_now_lets_an_open_breaker_try_a_new_server_at_once(tmp_path: Path) -> None:
    conn = open_state_db(tmp_path)
    try:
        breaker = CircuitBreaker(conn)
        breaker.probe_now(NOW)
        assert conn.execute("SELECT COUNT(*) FROM breaker").fetchone()[0] == 0  # closed: no-op
        for _ in range(FAILURE_THRESHOLD):
            breaker.record_server_down(NOW)
        assert breaker.load(NOW + 1).state == OPEN
        breaker.probe_now(NOW + 1)
        assert breaker.load(NOW + 1).state == HALF_OPEN
    finally:
        conn.close()
