"""Where a failed job goes next: retried later, parked while Plex is down, or dead-lettered.

Pure: given the job, the classified error, the settings and `now`, say what to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from plex.errors import AuthError, NotFoundError, PermanentError, PlexError, ServerDownError
from plugin_core.timescale import scaled
from sync_queue.job import Job
from validation.metadata import InvalidMetadata
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


def error_kind(error: Exception) -> str:
    if isinstance(error, InvalidMetadata):
        return "invalid_metadata"
    return getattr(error, "kind", "error")


def decide_retry(
    job: Job, error: Exception, max_retries: int, now: float, rng: random.Random
) -> RetryDecision:
    """Retry with backoff, park without spending an attempt, or give up."""
    kind = error_kind(error)
    message = str(error)
    if isinstance(error, (PermanentError, InvalidMetadata)):
        return RetryDecision(DEAD_LETTER, job, kind, advice=_advice(error))
    if type(error) is ServerDownError:
        park = scaled(PARK_DELAY_S)
        parked = job._replace(not_before=now + park, last_error=message, error_kind=kind)
        return RetryDecision(RETRY, parked, kind, park)
    policy = NOT_FOUND_POLICY if isinstance(error, NotFoundError) else transient_policy(max_retries)
    attempt = job.attempt if _family(job.error_kind) == _family(kind) else 0
    failing_for = now - (job.first_failure_at or now)
    if exhausted(policy, attempt + 1) or failing_for > scaled(MAX_FAILING_S):
        return RetryDecision(
            DEAD_LETTER,
            job._replace(attempt=attempt),
            kind,
            attempts_allowed=policy.max_attempts,
            advice=_advice(error),
        )
    retry_after = error.retry_after if isinstance(error, PlexError) else None
    delay = next_delay(policy, attempt, rng, retry_after)
    base = job._replace(attempt=attempt)
    return RetryDecision(
        RETRY, base.retry_later(now + delay, kind, message, now), kind, delay, policy.max_attempts
    )


def _family(kind: str | None) -> str | None:
    """Server trouble of any sort counts against one retry budget (CONTRACT: maxRetries)."""
    return "transient" if kind in ("transient", "timeout", "server_down") else kind


def _advice(error: Exception) -> str:
    if isinstance(error, AuthError):
        return (
            "fix plexToken in Stash > Settings > Plugins > PlexSync, then run 'Retry dead letters'"
        )
    if isinstance(error, InvalidMetadata):
        return "correct the scene in Stash; the next edit queues it again"
    if isinstance(error, NotFoundError):
        return "check that Plex has scanned the file and that pathMap is right, then run 'Retry dead letters'"
    return "see the Troubleshooting page, then run 'Retry dead letters'"
