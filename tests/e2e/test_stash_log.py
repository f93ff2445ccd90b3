"""What the background worker learns reaches Stash's log through the next hook or task (§8)."""

from __future__ import annotations

import json
import subprocess
import sys

from sync_queue import outbox
from sync_queue.state_db import open_state_db
from tests.conftest import PluginEnv
from tests.plugin_runner import ENTRY, PluginRun, hook_input, wait_until

DEAD_LETTER = "moved to the dead-letter queue"


def _scene(env: PluginEnv, n: int, title: str = "Logged") -> tuple[str, str]:
    path = f"/media/log/scene{n}.mp4"
    key = env.plex.add_item("1", f"plex {n}", [(path, 100 + n)])
    return env.stash.add_scene(title=f"{title} {n}", files=[(path, 100 + n)]), key


def _lines(runs: list[PluginRun], text: str) -> list[str]:
    return [line for run in runs for line in run.log_lines() if text in line]


def _settings_problem(env: PluginEnv) -> str | None:
    """The settings problem the worker recorded, read as the hook reads it."""
    return outbox.read_for_hook(str(env.data_dir), 0)[1]


def test_a_refused_token_dead_letter_is_shown_once_and_the_fixed_token_syncs_it_again(
    plugin_env: PluginEnv,
) -> None:
    (refused, refused_key), (other, other_key) = _scene(plugin_env, 0), _scene(plugin_env, 1)
    plugin_env.settings(plexToken="wrong-token-value")
    plugin_env.hook(refused, fields=["title"])
    wait_until(lambda: plugin_env.data_dir.joinpath("dlq.db").exists(), message="the DLQ")
    plugin_env.wait_idle()
    next_hook = plugin_env.hook(other, fields=["title"], PLEXSYNC_NO_WORKER="1")
    [shown] = _lines([next_hook], DEAD_LETTER)
    assert f"scene {refused}" in shown and "plexToken" in shown
    assert next_hook.log_lines("w") and next_hook.returncode == 0
    refused_line = next(line for line in next_hook.log_lines("e") if "cannot sync" in line)
    assert "plexToken" in refused_line and f"Scene {other} is queued" in refused_line
    assert (
        _lines([plugin_env.hook(other, fields=["title"], PLEXSYNC_NO_WORKER="1")], DEAD_LETTER)
        == []
    )

    plugin_env.settings()  # the user fixes the token; nothing else
    plugin_env.hook(other, fields=["title"])
    for key, n in ((other_key, 1), (refused_key, 0)):
        wait_until(
            lambda key=key, n=n: plugin_env.plex.item(key).title == f"Logged {n}",
            message=f"scene {n} after the token fix",
        )
    plugin_env.wait_idle()
    status = plugin_env.task("queue_status")
    assert status.output["dead_letters"] == 0
    assert status.output["settings_problem"] is None
    assert len(_lines([status], "went back to the queue by themselves")) == 1


def test_an_ambiguous_match_warning_lists_both_candidates(plugin_env: PluginEnv) -> None:
    first = plugin_env.plex.add_item("1", "twin a", [("/elsewhere/a/dup.mp4", 7)])
    second = plugin_env.plex.add_item("1", "twin b", [("/elsewhere/b/dup.mp4", 7)])
    scene = plugin_env.stash.add_scene(title="Dup", files=[("/other/dup.mp4", 7)])
    plugin_env.hook(scene, fields=["title"])
    plugin_env.wait_idle()
    task = plugin_env.task("queue_status")
    [warning] = [line for line in task.log_lines("w") if "ambiguous match" in line]
    assert f"scene {scene}" in warning
    assert f"item {first} /elsewhere/a/dup.mp4" in warning
    assert f"item {second} /elsewhere/b/dup.mp4" in warning
    assert _lines([plugin_env.task("queue_status")], "ambiguous match") == []


def test_an_unset_token_is_named_by_the_second_hook_and_the_scene_syncs_once_it_is_set(
    plugin_env: PluginEnv,
) -> None:
    scene, key = _scene(plugin_env, 0, "Waiting")
    plugin_env.stash.plugin_settings = {"PlexSync": {"plexUrl": plugin_env.plex.url}}
    first = plugin_env.hook(scene, fields=["title"])
    assert (first.returncode, first.output) == (0, "queued")
    wait_until(lambda: _settings_problem(plugin_env), message="the worker to give up")
    second = plugin_env.hook(scene, fields=["title"])
    assert (second.returncode, second.output) == (0, "queued")
    named = [line for line in second.log_lines("e") if "cannot sync" in line]
    assert len(named) == 1 and "plexToken" in named[0]

    plugin_env.settings()
    plugin_env.hook(scene, fields=["title"])
    wait_until(lambda: plugin_env.plex.item(key).title == "Waiting 0", message="the sync")
    plugin_env.wait_idle()
    later = plugin_env.hook(scene, fields=["title"], PLEXSYNC_NO_WORKER="1")
    assert _lines([later], "cannot sync") == []


def test_a_thirty_scene_outage_is_said_once_down_and_once_back(plugin_env: PluginEnv) -> None:
    scenes = [_scene(plugin_env, n, "Outage") for n in range(30)]
    plugin_env.plex.set_down(True)
    runs = [plugin_env.hook(scene_id, fields=["title"]) for scene_id, _key in scenes]

    def breaker_open() -> bool:
        runs.append(plugin_env.task("queue_status"))
        return runs[-1].output["circuit"] == "open"

    wait_until(breaker_open, message="the breaker to open")
    plugin_env.plex.set_down(False)
    for n, (_scene_id, key) in enumerate(scenes):
        wait_until(
            lambda key=key, n=n: plugin_env.plex.item(key).title == f"Outage {n}",
            60,
            message=f"scene {n} after Plex came back",
        )
    plugin_env.wait_idle()
    runs.append(plugin_env.task("queue_status"))
    assert 1 <= len(_lines(runs, "Plex is down")) <= 2
    assert len(_lines(runs, "Plex is back")) == 1


def test_hooks_racing_never_print_one_message_twice(plugin_env: PluginEnv) -> None:
    plugin_env.data_dir.mkdir(parents=True)
    state = open_state_db(plugin_env.data_dir)
    try:
        for i in range(70):
            outbox.add(state, "warning", f"message number {i}", 1_700_000_000.0 + i)
    finally:
        state.close()
    env = {**plugin_env.env, "PLEXSYNC_NO_WORKER": "1"}
    payload = hook_input(plugin_env.connection, 1, fields=["title"])
    procs = [
        subprocess.Popen(
            [sys.executable, str(ENTRY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=plugin_env.cwd,
            env=env,
        )
        for _ in range(4)
    ]

    outputs = [p.communicate(json.dumps(payload).encode(), timeout=60) for p in procs]
    runs = [
        PluginRun(p.returncode, out.decode(), err.decode())
        for p, (out, err) in zip(procs, outputs, strict=True)
    ]
    assert all(run.output == "queued" for run in runs)
    printed = [line.rsplit("] ", 1)[1] for line in _lines(runs, "message number")]
    assert sorted(printed) == sorted(f"message number {i}" for i in range(70))
