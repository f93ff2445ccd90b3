"""Where a failed job goes next: retried later, parked while Plex is down, or dead-lettered.

Pure: given the job, the classified failure, the settings, `now` and the time scale,
say what to do. What a failure means is read from its class attributes (see
plugin_core/failure.py); nothing here knows the failure classes themselves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from plugin_core.failure import NO_RETRY, NOT_FOUND, Failure, schedule_of
from sync_queue.job import Job
from worker.backoff import NOT_FOUND_POLICY, exhausted, next_delay, transient_policy

PARK_DELAY_S = 1.0
# Errors of changing kinds (404, then 503, then 404...) each have their own budget;
# this bounds the total, so no job retries for ever.
MAX_FAILING_S = 8 * 3600.0
RETRY = "retry"
DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class RetryDecision:
    action: str
    job: Job
    kind: str
    delay: float = 0.0
    attempts_allowed: int = 0
    advice: str = ""


def decide_retry(
    job: Job,
    error: Failure,
    max_retries: int,
    now: float,
    rng: random.Random,
    scale: float = 1.0,
) -> RetryDecision:
    """Retry with backoff, park without spending an attempt, or give up.

    `scale` is PLEXSYNC_TIME_SCALE: every delay chosen here is multiplied by it once.
    """
    kind = error.kind
    if error.retry == NO_RETRY:
        return RetryDecision(DEAD_LETTER, job, kind, advice=error.advice)
    if not error.spends_attempt:
        park = (PARK_DELAY_S if error.retry_after is None else error.retry_after) * scale
        parked = job._replace(not_before=now + park, last_error=str(error), error_kind=kind)
        return RetryDecision(RETRY, parked, kind, park)
    policy = NOT_FOUND_POLICY if error.retry == NOT_FOUND else transient_policy(max_retries)
    # Server trouble of any sort (503, timeout, down) shares one budget (CONTRACT: maxRetries).
    attempt = job.attempt if schedule_of(job.error_kind) == error.retry else 0
    failing_for = now - (job.first_failure_at or now)
    if exhausted(policy, attempt + 1) or failing_for > MAX_FAILING_S * scale:
        return RetryDecision(
            DEAD_LETTER,
            job._replace(attempt=attempt),
            kind,
            attempts_allowed=policy.max_attempts,
            advice=error.advice,
        )
    delay = next_delay(policy, attempt, rng, error.retry_after) * scale
    base = job._replace(attempt=attempt)
    return RetryDecision(
        RETRY,
        base.retry_later(now + delay, kind, str(error), now),
        kind,
        delay,
        policy.max_attempts,
    )
