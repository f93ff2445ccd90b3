"""Failure handling through the real worker: retries, circuit breaker, dead letters."""

from __future__ import annotations

import socket
import sqlite3

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until


def _scene(env: PluginEnv, n: int = 0, title: str = "Retried"):
    path = f"/media/f/scene{n}.mp4"
    key = env.plex.add_item("1", f"plex {n}", [(path, 10 + n)])
    return env.stash.add_scene(title=f"{title} {n}", files=[(path, 10 + n)]), key


def _dead_letters(env: PluginEnv) -> list[tuple]:
    path = env.data_dir / "dlq.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT scene_id, error_kind, message, attempts FROM dead_letters"
        ).fetchall()
    except sqlite3.OperationalError:
        return []  # the worker is creating the database right now
    finally:
        conn.close()


def test_plex_down_during_several_hooks_then_back_syncs_everything(plugin_env: PluginEnv) -> None:
    scenes = [_scene(plugin_env, n) for n in range(3)]
    plugin_env.plex.set_down(True)
    for scene_id, _key in scenes:
        assert plugin_env.hook(scene_id, fields=["title"]).output == "queued"
    wait_until(
        lambda: plugin_env.task("queue_status").output["circuit"] == "open",
        message="the breaker to open",
    )
    assert _dead_letters(plugin_env) == []
    plugin_env.plex.set_down(False)
    for n, (_scene_id, key) in enumerate(scenes):
        wait_until(
            lambda key=key, n=n: plugin_env.plex.item(key).title == f"Retried {n}",
            60,
            message=f"scene {n} after Plex came back",
        )
    plugin_env.wait_idle()
    status = plugin_env.task("queue_status").output
    assert status["circuit"] == "closed"
    assert status["dead_letters"] == 0
    assert any("Plex answers again" in line for line in plugin_env.log_file_lines())


def test_transient_statuses_are_retried_until_success_without_dead_letters(
    plugin_env: PluginEnv,
) -> None:
    scene_id, key = _scene(plugin_env)
    plugin_env.plex.fail_next(1, 503, retry_after="1", path_prefix="/library/metadata")
    for status in (429, 500, 502, 520):
        plugin_env.plex.fail_next(1, status, path_prefix="/library/metadata")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Retried 0",
        60,
        message="the sync after five failures",
    )
    plugin_env.wait_idle()
    assert _dead_letters(plugin_env) == []
    retries = [
        line for line in plugin_env.log_file_lines() if "attempt" in line and "next try" in line
    ]
    assert len(retries) == 5


def test_unauthorized_goes_to_dead_letters_and_retry_after_token_fix_syncs(
    plugin_env: PluginEnv,
) -> None:
    scene_id, key = _scene(plugin_env)
    plugin_env.settings(plexToken="wrong-token-value")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: _dead_letters(plugin_env), message="the dead letter")
    plugin_env.wait_idle()
    [(dead_id, kind, message, _attempts)] = _dead_letters(plugin_env)
    assert (dead_id, kind) == (scene_id, "auth")
    assert "plexToken" in message
    assert any(
        "dead-letter queue (auth)" in line and "plexToken" in line
        for line in plugin_env.log_file_lines()
    )
    plugin_env.settings()
    run = plugin_env.task("retry_dead_letters")
    assert run.output == {"requeued": 1}
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Retried 0",
        message="the sync after the token fix",
    )
    plugin_env.wait_idle()
    assert _dead_letters(plugin_env) == []


def test_bad_request_is_dead_lettered_at_once(plugin_env: PluginEnv) -> None:
    scene_id, _key = _scene(plugin_env)
    plugin_env.plex.fail_next(1, 400, method="PUT")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: _dead_letters(plugin_env), message="the dead letter")
    plugin_env.wait_idle()
    [(_id, kind, message, attempts)] = _dead_letters(plugin_env)
    assert (kind, attempts) == ("permanent", 1)
    assert "400" in message


def test_hang_past_the_read_timeout_is_retried(plugin_env: PluginEnv) -> None:
    plugin_env.settings(readTimeout=5)
    scene_id, key = _scene(plugin_env)
    plugin_env.plex.hang_next(1, 7.0)
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Retried 0",
        60,
        message="the sync after the hang",
    )
    plugin_env.wait_idle()
    assert any("did not answer in time" in line for line in plugin_env.log_file_lines())
    assert _dead_letters(plugin_env) == []


def test_retries_exhausted_end_in_dead_letters_with_attempt_count(plugin_env: PluginEnv) -> None:
    plugin_env.settings(maxRetries=2)
    scene_id, _key = _scene(plugin_env)
    plugin_env.plex.fail_next(10, 503, path_prefix="/library/metadata")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: _dead_letters(plugin_env), message="the dead letter")
    plugin_env.wait_idle()
    [(_id, kind, message, attempts)] = _dead_letters(plugin_env)
    assert (kind, attempts) == ("transient", 3)
    assert "503" in message


def test_breaker_state_is_seen_by_a_second_process(plugin_env: PluginEnv) -> None:
    scenes = [_scene(plugin_env, n) for n in range(2)]
    plugin_env.plex.set_down(True)
    for scene_id, _key in scenes:
        plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.task("queue_status").output["circuit"] == "open",
        message="the breaker to open",
    )
    status = plugin_env.task("queue_status").output
    assert status["pending"] + status["waiting_retry"] + status["in_progress"] >= 1
    plugin_env.plex.set_down(False)
    plugin_env.wait_idle(60)
    assert plugin_env.task("queue_status").output["circuit"] == "closed"


def test_sync_all_with_plex_down_reports_the_error_and_keeps_jobs(plugin_env: PluginEnv) -> None:
    _scene(plugin_env)
    plugin_env.plex.set_down(True)
    run = plugin_env.task("sync_all")
    assert run.returncode == 1
    assert "Plex is unreachable" in run.error
    assert run.output["queued"] == 1
    plugin_env.plex.set_down(False)
    plugin_env.wait_idle(60)
    assert _dead_letters(plugin_env) == []


def test_scene_that_syncs_after_being_dead_lettered_leaves_the_dead_letter_queue(
    plugin_env: PluginEnv,
) -> None:
    scene_id, key = _scene(plugin_env)
    plugin_env.plex.fail_next(1, 400, method="PUT")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: _dead_letters(plugin_env), message="the dead letter")
    plugin_env.wait_idle()
    plugin_env.stash.update_scene(scene_id, title="Fixed in Stash")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Fixed in Stash", message="the later sync"
    )
    plugin_env.wait_idle()
    assert _dead_letters(plugin_env) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fixing_the_plex_address_in_stash_reaches_a_waiting_worker(
    plugin_env: PluginEnv,
) -> None:
    scene_id, key = _scene(plugin_env)
    plugin_env.settings(plexUrl=f"http://127.0.0.1:{_closed_port()}")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.task("queue_status").output["circuit"] == "open",
        message="the breaker to open on the wrong address",
    )
    pid = plugin_env.worker_pid()
    plugin_env.settings()
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Retried 0",
        60,
        message="the waiting worker to use the fixed address",
    )
    assert plugin_env.worker_pid() in (pid, None), "no new hook, so no new worker"
    plugin_env.wait_idle()
    assert any("the settings changed in Stash" in line for line in plugin_env.log_file_lines())
    assert _dead_letters(plugin_env) == []
