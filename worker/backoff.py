"""How long a failed job waits before its next attempt. Pure: randomness passed in.

Full jitter (`uniform(0, min(cap, base * 2**n))`) spreads retries so a recovering
Plex is not hit by every job at once. A job that is merely not in Plex yet waits on
a longer schedule (about two hours in all) for a library scan to add the file. A
Retry-After from Plex overrides the computed delay, within a cap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """`max_retries` retries after the first attempt: `max_retries + 1` attempts in all."""

    base: float
    cap: float
    max_retries: int

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1


NOT_FOUND_POLICY = RetryPolicy(base=60.0, cap=1800.0, max_retries=12)
RETRY_AFTER_CAP = 600.0


def transient_policy(max_retries: int) -> RetryPolicy:
    return RetryPolicy(base=5.0, cap=80.0, max_retries=max_retries)


def next_delay(
    policy: RetryPolicy, attempt: int, rng: random.Random, retry_after: float | None = None
) -> float:
    """Seconds to wait after failed attempt number `attempt` (0-based), before the time scale."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), RETRY_AFTER_CAP)
    ceiling = min(policy.cap, policy.base * (2 ** min(attempt, 32)))
    return rng.uniform(0, ceiling)


def exhausted(policy: RetryPolicy, attempts_made: int) -> bool:
    """True when `attempts_made` attempts have failed and no retry is left."""
    return attempts_made >= policy.max_attempts
