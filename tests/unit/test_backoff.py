"""How long a failed job waits before its next attempt."""

from __future__ import annotations

import random

import pytest

from worker.backoff import (
    NOT_FOUND_POLICY,
    RETRY_AFTER_CAP,
    RetryPolicy,
    exhausted,
    next_delay,
    transient_policy,
)

pytestmark = pytest.mark.usefixtures("real_time")


@pytest.mark.parametrize("attempt", range(8))
def test_full_jitter_stays_between_zero_and_the_exponential_ceiling(attempt: int) -> None:
    policy = transient_policy(5)
    rng = random.Random(attempt)
    ceiling = min(80.0, 5.0 * 2**attempt)
    delays = [next_delay(policy, attempt, rng) for _ in range(300)]
    assert all(0.0 <= d <= ceiling for d in delays)
    assert max(delays) > 0.8 * ceiling  # the whole range is used, not just the bottom
    assert min(delays) < 0.2 * ceiling


def test_jitter_is_reproducible_with_a_seeded_random() -> None:
    policy = transient_policy(5)
    first = [next_delay(policy, n, random.Random(42)) for n in range(5)]
    assert first == [next_delay(policy, n, random.Random(42)) for n in range(5)]


def test_delay_never_exceeds_the_cap_even_after_many_attempts() -> None:
    rng = random.Random(1)
    cap = NOT_FOUND_POLICY.cap
    assert all(next_delay(NOT_FOUND_POLICY, 10_000, rng) <= cap for _ in range(200))
    assert all(next_delay(transient_policy(20), 10_000, rng) <= 80.0 for _ in range(200))


def test_retry_after_overrides_the_computed_delay() -> None:
    assert next_delay(transient_policy(5), 0, random.Random(1), retry_after=42.0) == 42.0


def test_retry_after_is_capped_and_never_negative() -> None:
    rng = random.Random(1)
    assert next_delay(transient_policy(5), 0, rng, retry_after=3600.0) == RETRY_AFTER_CAP == 600.0
    assert next_delay(transient_policy(5), 0, rng, retry_after=-5.0) == 0.0


def test_delays_are_returned_before_the_time_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scale is applied once, by the retry decision; the schedule itself is real time."""
    monkeypatch.setenv("PLEXSYNC_TIME_SCALE", "0.01")
    assert next_delay(transient_policy(5), 0, random.Random(1), retry_after=100.0) == 100.0


def test_transient_policy_allows_max_retries_after_the_first_attempt() -> None:
    policy = transient_policy(7)
    assert policy == RetryPolicy(base=5.0, cap=80.0, max_retries=7)
    assert policy.max_attempts == 8


def test_not_found_policy_retries_twelve_times() -> None:
    assert NOT_FOUND_POLICY.max_retries == 12


def test_not_found_schedule_waits_about_two_hours_in_all() -> None:
    rng = random.Random(11)
    policy = NOT_FOUND_POLICY
    totals = [
        sum(next_delay(policy, n, rng) for n in range(policy.max_retries)) for _ in range(200)
    ]
    average_hours = sum(totals) / len(totals) / 3600
    assert 1.5 <= average_hours <= 3.0


def test_exhausted_once_every_retry_is_spent() -> None:
    policy = transient_policy(3)
    assert not exhausted(policy, 3)
    assert exhausted(policy, 4)
    assert exhausted(policy, 5)
