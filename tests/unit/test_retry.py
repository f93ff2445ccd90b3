"""Where a failed job goes next: retried later, parked while Plex is down, or dead-lettered."""

from __future__ import annotations

import random

import pytest

from plex.errors import (
    AuthError,
    AwaitingScanError,
    LibraryNotFound,
    NotFoundError,
    PermanentError,
    PlexError,
    PlexTimeoutError,
    ServerDownError,
    TlsError,
    TransientError,
)
from plugin_core.failure import classify
from sync_queue.job import Job
from validation.metadata import InvalidMetadata
from worker.retry import DEAD_LETTER, PARK_DELAY_S, RETRY, decide_retry

pytestmark = pytest.mark.usefixtures("real_time")
NOW = 1_700_000_000.0


def job(**values: object) -> Job:
    return Job(scene_id="9", event="Scene.Update.Post", enqueued_at=NOW - 100, **values)


def decide(error: Exception, j: Job | None = None, max_retries: int = 5):
    return decide_retry(j or job(), error, max_retries, NOW, random.Random(7))


def fail_until_dead(error_factory, max_retries: int = 5, limit: int = 100) -> list:
    """Feed one job the same error until it is dead-lettered; the decisions in order."""
    decisions = []
    current = job()
    for _ in range(limit):
        decision = decide_retry(current, error_factory(), max_retries, NOW, random.Random(1))
        decisions.append(decision)
        if decision.action == DEAD_LETTER:
            return decisions
        current = decision.job
    return decisions


@pytest.mark.parametrize(
    ("error", "kind", "advice"),
    [
        (PermanentError("Plex rejected the request (400)", 400), "permanent", "Troubleshooting"),
        (AuthError("Plex refused the token (401)", 401), "auth", "fix plexToken"),
        (AuthError("Plex refused the token (403)", 403), "auth", "fix plexToken"),
        (InvalidMetadata("invalid date: '2021-13-01'"), "invalid_metadata", "correct the scene"),
    ],
)
def test_permanent_errors_are_dead_lettered_at_once_with_advice(
    error: Exception, kind: str, advice: str
) -> None:
    decision = decide(error)
    assert decision.action == DEAD_LETTER
    assert decision.kind == kind
    assert advice in decision.advice
    assert "Retry dead letters" in decision.advice or "next edit" in decision.advice
    assert decision.job == job()


def test_server_down_parks_the_job_without_spending_an_attempt() -> None:
    decision = decide(
        ServerDownError("Plex is unreachable"), job(attempt=2, error_kind="server_down")
    )
    assert decision.action == RETRY
    assert decision.job.attempt == 2
    assert decision.job.not_before == NOW + PARK_DELAY_S
    assert decision.job.error_kind == "server_down"
    assert decision.job.last_error == "Plex is unreachable"
    assert decision.attempts_allowed == 0


def test_server_down_never_dead_letters() -> None:
    decisions = fail_until_dead(lambda: ServerDownError("down"), max_retries=1, limit=50)
    assert all(d.action == RETRY for d in decisions)


def test_park_delay_follows_time_scale() -> None:
    decision = decide_retry(job(), ServerDownError("down"), 5, NOW, random.Random(7), scale=0.01)
    assert decision.delay == pytest.approx(PARK_DELAY_S * 0.01)
    assert decision.job.not_before == pytest.approx(NOW + PARK_DELAY_S * 0.01)


@pytest.mark.parametrize("max_retries", [1, 3, 5, 20])
def test_transient_errors_get_max_retries_retries_then_dead_letter(max_retries: int) -> None:
    decisions = fail_until_dead(lambda: TransientError("Plex answered 503", 503), max_retries)
    assert [d.action for d in decisions] == [RETRY] * max_retries + [DEAD_LETTER]
    assert [d.job.attempt for d in decisions[:-1]] == list(range(1, max_retries + 1))
    assert decisions[-1].attempts_allowed == max_retries + 1
    assert decisions[-1].job.attempt == max_retries
    assert "Retry dead letters" in decisions[-1].advice


def test_transient_retry_is_due_after_the_backoff_delay() -> None:
    decision = decide(TransientError("Plex answered 500", 500))
    assert decision.action == RETRY
    assert 0 <= decision.delay <= 5.0
    assert decision.job.not_before == NOW + decision.delay
    assert decision.job.first_failure_at == NOW
    assert (decision.job.error_kind, decision.job.last_error) == ("transient", "Plex answered 500")


def test_timeouts_count_as_transient_attempts() -> None:
    decisions = fail_until_dead(lambda: PlexTimeoutError("no answer"), max_retries=2)
    assert [d.action for d in decisions] == [RETRY, RETRY, DEAD_LETTER]
    assert decisions[0].kind == "timeout"


def test_not_found_has_its_own_policy_of_twelve_retries() -> None:
    decisions = fail_until_dead(lambda: NotFoundError("item not in Plex", 404), max_retries=2)
    assert len(decisions) == 13  # the first attempt and twelve retries
    assert decisions[-1].action == DEAD_LETTER
    assert decisions[-1].kind == "not_found"
    assert "pathMap" in decisions[-1].advice
    assert max(d.delay for d in decisions[:-1]) <= 600.0


def test_retry_after_from_plex_is_honoured() -> None:
    decision = decide(TransientError("Plex answered 429", 429, retry_after=42.0))
    assert decision.delay == 42.0
    assert decision.job.not_before == NOW + 42.0


def test_retry_after_is_scaled_for_tests() -> None:
    error = TransientError("429", 429, retry_after=42.0)
    decision = decide_retry(job(), error, 5, NOW, random.Random(7), scale=0.01)
    assert decision.delay == pytest.approx(0.42)
    assert decision.job.not_before == pytest.approx(NOW + 0.42)


def test_time_scale_keeps_the_jitter_sequence() -> None:
    error = TransientError("503", 503)
    full = decide_retry(job(), error, 5, NOW, random.Random(9)).delay
    half = decide_retry(job(), error, 5, NOW, random.Random(9), scale=0.5).delay
    assert half == pytest.approx(full / 2)


def test_a_change_of_error_kind_starts_the_count_again() -> None:
    tired = job(attempt=5, error_kind="transient", first_failure_at=NOW - 50)
    decision = decide(NotFoundError("not in Plex", 404), tired)
    assert decision.action == RETRY
    assert decision.job.attempt == 1
    assert decision.job.error_kind == "not_found"
    assert decision.job.first_failure_at == NOW - 50


def test_same_kind_continues_the_count() -> None:
    assert (
        decide(TransientError("503", 503), job(attempt=4, error_kind="transient")).action == RETRY
    )
    decision = decide(TransientError("503", 503), job(attempt=5, error_kind="transient"))
    assert decision.action == DEAD_LETTER


def test_alternating_transient_errors_still_reach_the_dead_letter_queue() -> None:
    errors = [TransientError("Plex answered 503", 503), PlexTimeoutError("no answer")]
    current = job()
    for n in range(40):
        decision = decide_retry(current, errors[n % 2], 2, NOW, random.Random(n))
        if decision.action == DEAD_LETTER:
            break
        current = decision.job
    else:
        pytest.fail("a job failing with 5xx and timeouts in turn is retried for ever")
    assert n < 6


def test_the_failure_class_says_what_follows() -> None:
    """Kinds and schedules are class attributes; the decision reads nothing else."""
    assert InvalidMetadata("x").kind == "invalid_metadata"
    assert (ServerDownError.spends_attempt, ServerDownError.opens_breaker) == (False, True)
    assert (PlexTimeoutError.spends_attempt, PlexTimeoutError.opens_breaker) == (True, True)
    assert (LibraryNotFound.stops_drain, TlsError.stops_drain) == (True, True)
    assert issubclass(LibraryNotFound, PlexError)


def test_an_internal_error_is_dead_lettered_at_once() -> None:
    decision = decide(classify(KeyError("title")))
    assert decision.action == DEAD_LETTER
    assert decision.kind == "internal"
    assert "report" in decision.advice


def test_a_file_awaiting_a_folder_scan_is_looked_for_again_without_spending_an_attempt() -> None:
    job = Job("7", "hook", 0.0)._replace(attempt=3, error_kind="not_found")
    error = AwaitingScanError("not in Plex yet; Plex was asked to scan its folder", retry_after=4.0)
    decision = decide_retry(job, error, 5, 100.0, random.Random(1), scale=0.5)
    assert decision.action == RETRY
    assert decision.job.not_before == 102.0
    assert decision.job.attempt == 3
