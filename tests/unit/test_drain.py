"""The drain loop in-process: a stub syncer raises each failure class against a real queue.

No subprocess and no log matching for the outcome: each test reads the queue, the
dead-letter queue, the breaker and the drain's result, as `queue_status` would.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from plex.errors import (
    AuthError,
    LibraryNotFound,
    NotFoundError,
    PermanentError,
    PlexTimeoutError,
    ServerDownError,
    TlsError,
    TransientError,
)
from plugin_core.data_dir import LOG_DIR
from plugin_core.timescale import Clock
from stash_client.errors import StashAuthError, StashError
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from validation.config import load_settings
from validation.metadata import InvalidMetadata
from worker.batch_reads import BatchItems
from worker.circuit_breaker import FAILURE_THRESHOLD, OPEN, CircuitBreaker
from worker.drain import BACKGROUND, FOREGROUND, Drainer, DrainMode, DrainParts
from worker.logs import LOG_FILE, configure_logging
from worker.notices import WorkerNotices
from worker.retry import PARK_DELAY_S
from worker.screenshots_ahead import ScreenshotsAhead
from worker.settle import DrainResult, Settler
from worker.stats import Stats
from worker.sync_step import SYNCED, UNCHANGED, Outcome

NOW = 1_700_000_000.0
SETTINGS = load_settings({"plexToken": "abcd1234efgh", "maxRetries": 5})


class FakeClock:
    """Time that moves only when the drain sleeps: no test ever waits."""

    def __init__(self) -> None:
        self.t = NOW

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class StubSyncer:
    """Raises `errors[scene_id]` for a scene, else reports it synced."""

    errors: dict[str, BaseException] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)
    stop_after: threading.Event | None = None
    stop_after_calls: int = 1
    synced: list[str] = field(default_factory=list)
    screenshots: ScreenshotsAhead | None = None  # each sync takes its scene's screenshot
    posters: dict[str, bytes] = field(default_factory=dict)

    def sync(self, scene: dict[str, Any]) -> Outcome:
        scene_id = str(scene["id"])
        self.synced.append(scene_id)
        if self.screenshots is not None:
            self.posters[scene_id] = self.screenshots.screenshot(self.poster_url(scene) or "")
        if self.stop_after is not None and len(self.synced) >= self.stop_after_calls:
            self.stop_after.set()
        if scene_id in self.errors:
            raise self.errors[scene_id]
        status = UNCHANGED if scene_id in self.unchanged else SYNCED
        return Outcome(status, f"scene {scene_id}: {status}", "500")

    def sure_key(self, scene: dict[str, Any]) -> str | None:
        return None  # nothing read with the batch: each scene reads its own item

    def poster_url(self, scene: dict[str, Any]) -> str | None:
        return f"/scene/{scene['id']}/screenshot" if self.screenshots else None


@dataclass
class Rig:
    data_dir: Path
    queue: JobQueue
    dlq: DeadLetterQueue
    state: Any
    clock: FakeClock

    def enqueue(self, *scene_ids: str) -> None:
        self.queue.enqueue(Job(s, "Scene.Update.Post", NOW - 10) for s in scene_ids)

    def drain(
        self,
        syncer: StubSyncer,
        mode: DrainMode = FOREGROUND,
        read_scenes: Any = None,
        stop: threading.Event | None = None,
    ) -> DrainResult:
        clock = Clock(self.clock.now, self.clock.sleep, scale=0.01)
        breaker = CircuitBreaker(self.state, random.Random(1), clock.scale)
        settler = Settler(
            self.queue,
            self.dlq,
            Stats(self.state),
            breaker,
            clock,
            random.Random(2),
            SETTINGS.max_retries,
            DrainResult(),
            WorkerNotices(self.state, SETTINGS.plex_url, SETTINGS.token, lambda _k: 0),
            stop_when_server_down=mode.foreground,
        )
        scenes = read_scenes or (lambda ids: {i: {"id": i, "title": f"Scene {i}"} for i in ids})
        items = BatchItems(lambda _keys: {})
        parts = DrainParts(
            self.queue,
            settler,
            breaker,
            syncer,
            scenes,
            lambda: None,
            items,
            lambda _c: None,
            syncer.screenshots,
        )
        return Drainer(parts, SETTINGS, mode, clock, stop).run()

    def queued(self) -> list[Job]:
        rows = self.queue.conn.execute(
            "SELECT data FROM ack_queue_default WHERE status IN (0, 1) ORDER BY _id"
        ).fetchall()
        return [Job.from_json(r[0]) for r in rows]

    def breaker(self) -> Any:
        return CircuitBreaker(self.state).load(self.clock.now())

    def counters(self) -> dict[str, Any]:
        return Stats(self.state).snapshot()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with JobQueue(tmp_path) as queue, DeadLetterQueue(tmp_path) as dlq:
        state = open_state_db(tmp_path, check_same_thread=False)
        try:
            yield Rig(tmp_path, queue, dlq, state, FakeClock())
        finally:
            state.close()


def test_a_synced_scene_is_acked_and_counted_once(rig: Rig) -> None:
    rig.enqueue("1", "2")
    result = rig.drain(StubSyncer(unchanged={"2"}))
    assert (result.synced, result.unchanged, result.failed, result.remaining) == (1, 1, 0, 0)
    assert rig.queued() == []
    counters = rig.counters()
    assert (counters["synced"], counters["unchanged"]) == (1, 1)


def test_each_scene_gets_its_own_screenshot_downloaded_once_on_the_helper(rig: Rig) -> None:
    downloads: list[tuple[str, str]] = []

    def download(url: str) -> bytes:
        downloads.append((url, threading.current_thread().name))
        return url.encode()

    screenshots = ScreenshotsAhead(download)
    rig.enqueue("1", "2", "3")
    syncer = StubSyncer(screenshots=screenshots)
    try:
        result = rig.drain(syncer)
    finally:
        screenshots.close()
    assert result.synced == 3
    assert syncer.posters == {n: f"/scene/{n}/screenshot".encode() for n in ("1", "2", "3")}
    assert sorted(url for url, _ in downloads) == [f"/scene/{n}/screenshot" for n in "123"]
    assert {thread.split("_")[0] for _, thread in downloads} == {"plexsync-screenshots"}


@pytest.mark.parametrize(
    ("error", "kind", "ceiling_s"),
    [
        (TransientError("Plex answered 503", 503), "transient", 5.0),
        (PlexTimeoutError("Plex did not answer in time"), "timeout", 5.0),
        (NotFoundError("not in Plex: no Plex item has the file", 404), "not_found", 60.0),
        (StashError("Stash request failed (timed out)"), "stash", 5.0),
    ],
)
def test_a_retried_failure_spends_an_attempt_and_comes_due_later(
    rig: Rig, error: Exception, kind: str, ceiling_s: float
) -> None:
    rig.enqueue("1")
    result = rig.drain(StubSyncer({"1": error}))
    [job] = rig.queued()
    assert (job.attempt, job.error_kind, job.last_error) == (1, kind, str(error))
    assert NOW <= job.not_before <= NOW + ceiling_s * 0.01
    assert (result.failed, result.dead_lettered, result.remaining) == (1, 0, 1)
    assert rig.dlq.count() == 0


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (AuthError("Plex refused the token (401)", 401), "auth"),
        (PermanentError("Plex rejected the request (400)", 400), "permanent"),
        (InvalidMetadata("invalid date: '2021-13-01'"), "invalid_metadata"),
    ],
)
def test_a_permanent_failure_is_dead_lettered_at_once(
    rig: Rig, error: Exception, kind: str
) -> None:
    rig.enqueue("1")
    result = rig.drain(StubSyncer({"1": error}))
    [letter] = rig.dlq.take_all()
    assert (letter.scene_id, letter.error_kind, letter.attempts) == ("1", kind, 1)
    assert rig.queued() == []
    assert (result.dead_lettered, result.remaining) == (1, 0)


@pytest.mark.parametrize(
    "error",
    [
        TlsError("Plex's TLS certificate is not trusted"),
        LibraryNotFound("Plex has no library named Films"),
        StashAuthError("Stash refused the plugin's credentials (401)"),
    ],
)
def test_a_failure_every_scene_would_share_stops_the_drain_with_jobs_queued(
    rig: Rig, error: Exception
) -> None:
    rig.enqueue("1", "2")
    syncer = StubSyncer({"1": error})
    result = rig.drain(syncer)
    assert result.stopped_reason == str(error)
    assert syncer.synced == ["1"]
    assert [j.scene_id for j in rig.queued()] == ["1", "2"]
    assert all(j.attempt == 0 for j in rig.queued())
    assert rig.dlq.count() == 0


def test_server_down_parks_the_job_and_counts_towards_the_breaker(rig: Rig) -> None:
    rig.enqueue("1")
    stop = threading.Event()
    syncer = StubSyncer({"1": ServerDownError("Plex is unreachable")}, stop_after=stop)
    rig.drain(syncer, BACKGROUND, stop=stop)
    [job] = rig.queued()
    assert (job.attempt, job.error_kind) == (0, "server_down")
    assert job.not_before == pytest.approx(NOW + PARK_DELAY_S * 0.01)
    assert rig.breaker().failures == 1


def test_server_down_stops_a_foreground_drain(rig: Rig) -> None:
    rig.enqueue("1", "2")
    result = rig.drain(StubSyncer({"1": ServerDownError("Plex is unreachable")}))
    assert result.stopped_reason is not None
    assert "the background worker syncs when Plex is back" in result.stopped_reason
    assert sorted(j.scene_id for j in rig.queued()) == ["1", "2"]


def test_repeated_server_down_opens_the_breaker(rig: Rig) -> None:
    scene_ids = [str(n) for n in range(1, FAILURE_THRESHOLD + 2)]
    rig.enqueue(*scene_ids)
    stop = threading.Event()
    errors = {s: ServerDownError("Plex is unreachable") for s in scene_ids}
    syncer = StubSyncer(errors, stop_after=stop, stop_after_calls=FAILURE_THRESHOLD)
    rig.drain(syncer, BACKGROUND, stop=stop)
    assert rig.breaker().state == OPEN
    assert len(syncer.synced) == FAILURE_THRESHOLD  # the last scene went back untouched
    assert len(rig.queued()) == len(scene_ids)
    assert all(j.attempt == 0 for j in rig.queued())


def test_stash_unreadable_stops_after_the_modes_allowance(rig: Rig) -> None:
    rig.enqueue("1")

    def read_scenes(_ids: list[str]) -> dict[str, dict[str, Any]]:
        raise StashError("cannot reach Stash at http://localhost:9999 (connection refused)")

    result = rig.drain(StubSyncer(), FOREGROUND, read_scenes)
    assert result.stopped_reason is not None
    assert "gave up after 3 tries, jobs stay queued" in result.stopped_reason
    assert [j.attempt for j in rig.queued()] == [0]


def test_a_bug_is_dead_lettered_after_one_attempt_and_the_drain_goes_on(rig: Rig) -> None:
    configure_logging(rig.data_dir, to_stash=False)
    rig.enqueue("1", "2")
    syncer = StubSyncer({"1": KeyError("studio")})
    result = rig.drain(syncer)
    [letter] = rig.dlq.take_all()
    assert (letter.error_kind, letter.attempts) == ("internal", 1)
    assert letter.message == (
        "internal error (KeyError): 'studio'; please report this with the debug log"
    )
    assert syncer.synced == ["1", "2"]
    assert (result.synced, result.dead_lettered, result.remaining) == (1, 1, 0)
    lines = (rig.data_dir / LOG_DIR / LOG_FILE).read_text(encoding="utf-8").splitlines()
    errors = [json.loads(line) for line in lines if '"level": "error"' in line]
    assert any("Traceback" in e["msg"] and "KeyError: 'studio'" in e["msg"] for e in errors)


def test_a_bugs_traceback_is_debug_detail_in_stash(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(rig.data_dir, to_stash=True)
    rig.enqueue("1")
    rig.drain(StubSyncer({"1": AttributeError("'NoneType' object has no attribute 'tag'")}))
    stash_lines = capsys.readouterr().err.splitlines()
    tracebacks = [line for line in stash_lines if "Traceback" in line]
    assert tracebacks
    assert all(line.startswith("\x01d\x02") for line in tracebacks)
    assert any(
        line.startswith("\x01w\x02") and "moved to the dead-letter queue (internal)" in line
        for line in stash_lines
    )
