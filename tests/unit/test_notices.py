"""What the worker says once per outage or fix, and the dead letters a fix sends back."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from plex.errors import AuthError, ServerDownError
from sync_queue import outbox
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from worker.circuit_breaker import FAILURE_THRESHOLD, CircuitBreaker
from worker.notices import WorkerNotices, requeue_dead_letters
from worker.outbox_handler import OutboxHandler

NOW = 1_700_000_000.0
URL = "http://plex.lan:32400"


class World:
    def __init__(self, data_dir: Path) -> None:
        self.state = open_state_db(data_dir)
        self.dlq = DeadLetterQueue(data_dir)
        self.queue = JobQueue(data_dir)

    def notices(self, token: str = "good-token") -> WorkerNotices:
        return WorkerNotices(
            self.state,
            URL,
            token,
            lambda kinds: requeue_dead_letters(self.dlq, self.queue, kinds, NOW),
            lambda: NOW,
        )

    def dead_letter(self, scene_id: str, kind: str) -> None:
        self.dlq.add(Job(scene_id, "Scene.Update.Post", NOW), "t", kind, "failed", NOW)

    def shown(self) -> list[str]:
        return [m.text for m in outbox.take_unseen(self.state, None).messages]

    def close(self) -> None:
        for db in (self.state, self.dlq, self.queue):
            db.close()


@pytest.fixture
def world(tmp_path: Path):
    """The state databases, with the worker's log going to the outbox as in the worker."""
    w = World(tmp_path)
    logger = logging.getLogger("plexsync.worker")
    handler, level = OutboxHandler(tmp_path), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield w
    logger.removeHandler(handler)
    logger.setLevel(level)
    w.close()


def test_plex_down_is_said_once_when_the_breaker_opens_not_per_failure(world: World) -> None:
    notices = world.notices()
    breaker = CircuitBreaker(world.state, random.Random(1))
    error = ServerDownError("Plex is unreachable for item 3 (connection refused)")
    for i in range(FAILURE_THRESHOLD + 4):
        notices.server_down(breaker.record_server_down(NOW + i), error)
    [down] = world.shown()
    assert down.startswith(f"Plex is down: {URL} does not answer (")
    assert "plexUrl" in down


def test_a_refused_token_is_a_settings_problem_until_a_request_succeeds(world: World) -> None:
    notices = world.notices()
    notices.failed(AuthError("Plex refused the token (401) for item 3: set plexToken"))
    problem = outbox.get_notice(world.state, outbox.SETTINGS_PROBLEM)
    assert problem is not None and "plexToken" in problem[0]
    notices.request_succeeded()
    assert outbox.get_notice(world.state, outbox.SETTINGS_PROBLEM) is None


def test_a_new_token_that_works_sends_the_refused_scenes_back_to_the_queue(world: World) -> None:
    world.notices("bad-token").failed(AuthError("Plex refused the token (401)"))
    world.dead_letter("1", "auth")
    world.dead_letter("2", "server_down")
    world.dead_letter("3", "permanent")
    world.shown()
    world.notices("good-token").request_succeeded()
    assert [d.scene_id for d in world.dlq.take_all()] == ["3"]
    assert world.queue.counts(NOW).pending == 2
    said = world.shown()
    assert len(said) == 2
    assert said[1].startswith("2 dead letter(s) that failed because Plex refused the token")


def test_the_same_token_working_for_another_item_sends_no_refused_scene_round_again(
    world: World,
) -> None:
    notices = world.notices()
    notices.failed(AuthError("Plex refused the token (403)"))
    world.dead_letter("1", "auth")
    notices.request_succeeded()
    assert [d.scene_id for d in world.dlq.take_all()] == ["1"]
    assert outbox.get_notice(world.state, outbox.SETTINGS_PROBLEM) is None


def test_success_is_checked_once_per_set_of_settings(world: World) -> None:
    notices = world.notices()
    notices.request_succeeded()
    world.dead_letter("9", "server_down")
    notices.request_succeeded()
    assert [d.scene_id for d in world.dlq.take_all()] == ["9"]
