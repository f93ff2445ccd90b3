"""Which state a scene is in when several things are known about it (pure)."""

from __future__ import annotations

from sync_queue.dlq import DeadLetter
from sync_queue.job import Job
from sync_queue.queue_admin import IN_PROGRESS, PENDING, WAITING_RETRY, SceneInQueue
from sync_queue.scene_outcomes import SceneOutcome
from sync_queue.sync_state import SyncRecord
from tasks.scene_status import SceneFacts, describe_scene, plex_web_url

NOW = 1_700_000_000.0
JOB = Job(scene_id="5", event="x", enqueued_at=NOW)
LETTER = DeadLetter("5", "T", "permanent", "Plex rejected it (400)", 1, NOW, NOW, JOB)
RECORD = SyncRecord("5", "fp", "77", NOW)


def facts(**known: object) -> SceneFacts:
    values = {"queued": None, "dead_letter": None, "outcome": None, "record": None, **known}
    return SceneFacts("5", **values)


def test_a_queued_job_wins_and_keeps_the_dead_letters_error() -> None:
    out = describe_scene(facts(queued=SceneInQueue(PENDING, NOW, JOB), dead_letter=LETTER))
    assert (out["state"], out["last_error"], out["syncing_now"]) == (
        "pending",
        "Plex rejected it (400)",
        False,
    )


def test_a_job_the_worker_holds_is_pending_and_syncing_now() -> None:
    out = describe_scene(facts(queued=SceneInQueue(IN_PROGRESS, NOW, JOB), record=RECORD))
    assert (out["state"], out["syncing_now"], out["rating_key"]) == ("pending", True, "77")


def test_waiting_retry_says_when_and_how_many_attempts() -> None:
    job = JOB._replace(attempt=2, last_error="503")
    out = describe_scene(facts(queued=SceneInQueue(WAITING_RETRY, NOW + 60, job)))
    assert out["state"] == "waiting_retry"
    assert (out["attempts"], out["last_error"]) == (2, "503")
    assert out["next_retry_at"] == "2023-11-14T22:14:20Z"


def test_skipped_after_an_earlier_sync_keeps_the_item_and_says_why() -> None:
    skipped = SceneOutcome("5", "skipped", NOW, "not organized", None, None, ())
    out = describe_scene(facts(outcome=skipped, record=RECORD))
    assert (out["state"], out["reason"], out["rating_key"]) == ("skipped", "not organized", "77")


def test_a_record_without_a_fingerprint_is_not_a_sync() -> None:
    poster_only = SyncRecord("5", "", "77", NOW, "sha")
    out = describe_scene(facts(record=poster_only))
    assert (out["state"], out["synced_at"]) == ("never_synced", None)


def test_plex_web_url_encodes_the_key_and_carries_no_token() -> None:
    assert plex_web_url("abc123", "42") == (
        "https://app.plex.tv/desktop/#!/server/abc123/details?key=%2Flibrary%2Fmetadata%2F42"
    )
