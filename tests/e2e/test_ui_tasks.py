"""The task modes behind Stash's UI, run as Stash runs them (runPluginOperation = a task run)."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until


def _scene(env: PluginEnv, n: int = 0, in_plex: bool = True) -> tuple[str, str | None]:
    path = f"/media/ui/{n:03d}.mp4"
    key = env.plex.add_item("1", f"plex {n}", [(path, 900 + n)]) if in_plex else None
    return env.stash.add_scene(title=f"Scene {n}", files=[(path, 900 + n)]), key


def _status(env: PluginEnv, scene_id: object) -> dict:
    run = env.task("scene_status", scene_id=scene_id)
    assert run.returncode == 0, run.stderr
    return run.output


def test_scene_status_of_a_synced_scene_links_to_plex_web_without_the_token(
    plugin_env: PluginEnv,
) -> None:
    scene_id, key = _scene(plugin_env)
    plugin_env.task("sync_all")
    out = _status(plugin_env, int(scene_id))
    assert out["scene_id"] == scene_id
    assert (out["state"], out["rating_key"], out["confidence"]) == ("synced", key, "high")
    assert out["plex_url"] == (
        "https://app.plex.tv/desktop/#!/server/fakeplex0001/details"
        f"?key=%2Flibrary%2Fmetadata%2F{key}"
    )
    assert plugin_env.plex.token not in out["plex_url"]
    assert out["synced_at"].endswith("Z") and out["last_error"] is None


def test_scene_status_reads_only_local_files_once_the_worker_knows_plex(
    plugin_env: PluginEnv,
) -> None:
    scene_id, _key = _scene(plugin_env)
    plugin_env.task("sync_all")
    plugin_env.stash.stop()
    plugin_env.plex.set_down(True)
    out = _status(plugin_env, scene_id)
    assert out["state"] == "synced"
    assert "fakeplex0001" in out["plex_url"]


def test_scene_status_asks_plex_for_its_identifier_when_no_worker_recorded_it(
    plugin_env: PluginEnv,
) -> None:
    scene_id, _key = _scene(plugin_env)
    plugin_env.task("sync_all")
    conn = sqlite3.connect(plugin_env.data_dir / "state.db")
    conn.execute("DELETE FROM kv WHERE key = 'plex_machine_identifier'")
    conn.commit()
    conn.close()
    assert "/server/fakeplex0001/" in _status(plugin_env, scene_id)["plex_url"]
    plugin_env.plex.set_down(True)
    assert "/server/fakeplex0001/" in _status(plugin_env, scene_id)["plex_url"]


def test_scene_status_never_synced_and_pending(plugin_env: PluginEnv) -> None:
    scene_id, _key = _scene(plugin_env)
    assert _status(plugin_env, scene_id)["state"] == "never_synced"
    plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    out = _status(plugin_env, scene_id)
    assert (out["state"], out["plex_url"], out["syncing_now"]) == ("pending", None, False)


def test_scene_status_waiting_retry_says_when_and_why(plugin_env: PluginEnv) -> None:
    plugin_env.env["PLEXSYNC_TIME_SCALE"] = "1"  # the retry stays minutes away
    scene_id, _key = _scene(plugin_env, in_plex=False)
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: _status(plugin_env, scene_id)["state"] == "waiting_retry",
        message="the scene to wait for a retry",
    )
    out = _status(plugin_env, scene_id)
    assert "not in Plex" in out["last_error"]
    assert out["next_retry_at"].endswith("Z") and out["attempts"] == 1
    assert plugin_env.task("clear_queue").output == {"deleted": 1, "in_progress": 0}
    plugin_env.wait_idle()


def test_scene_status_dead_letter_then_retry_dead_letter_syncs_it(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(plugin_env)
    plugin_env.plex.fail_next(1, 400, method="PUT")
    plugin_env.task("sync_all")
    out = _status(plugin_env, scene_id)
    assert out["state"] == "dead_letter"
    assert "400" in out["last_error"] and out["attempts"] == 1
    listed = plugin_env.task("list_dead_letters").output
    assert listed["total"] == 1
    [item] = listed["items"]
    assert (item["scene_id"], item["title"], item["attempts"]) == (scene_id, "Scene 0", 1)
    assert "400" in item["error"] and item["failed_at"].endswith("Z")
    retried = plugin_env.task("retry_dead_letter", scene_id=scene_id)
    assert retried.output == {"scene_id": scene_id, "requeued": 1}
    wait_until(lambda: plugin_env.plex.item(key).title == "Scene 0", message="the retried sync")
    plugin_env.wait_idle()
    assert _status(plugin_env, scene_id)["state"] == "synced"
    assert plugin_env.task("list_dead_letters").output == {"total": 0, "items": []}
    again = plugin_env.task("retry_dead_letter", scene_id=scene_id)
    assert (again.returncode, again.output["requeued"]) == (0, 0)


def test_list_dead_letters_is_newest_first_and_limited(plugin_env: PluginEnv) -> None:
    scenes = [_scene(plugin_env, n) for n in range(3)]
    plugin_env.plex.fail_next(3, 400, method="PUT")
    plugin_env.task("sync_all")
    out = plugin_env.task("list_dead_letters", limit=2).output
    assert out["total"] == 3 and len(out["items"]) == 2
    times = [i["failed_at"] for i in plugin_env.task("list_dead_letters").output["items"]]
    assert times == sorted(times, reverse=True)
    assert {i["scene_id"] for i in out["items"]} <= {s for s, _k in scenes}


def test_ambiguous_scene_is_skipped_with_its_candidates(plugin_env: PluginEnv) -> None:
    first = plugin_env.plex.add_item("1", "twin a", [("/elsewhere/a/dup.mp4", 7)])
    second = plugin_env.plex.add_item("1", "twin b", [("/elsewhere/b/dup.mp4", 7)])
    dup = plugin_env.stash.add_scene(title="Dup", files=[("/other/dup.mp4", 7)])
    plugin_env.task("sync_all")
    out = _status(plugin_env, dup)
    assert (out["state"], out["confidence"]) == ("skipped", "low")
    assert "ambiguous match" in out["reason"]
    assert {c["rating_key"] for c in out["candidates"]} == {first, second}
    assert {c["path"] for c in out["candidates"]} == {
        "/elsewhere/a/dup.mp4",
        "/elsewhere/b/dup.mp4",
    }


def test_unorganized_scene_skipped_says_why(plugin_env: PluginEnv) -> None:
    plugin_env.settings(skipUnorganized=True)
    scene_id, _key = _scene(plugin_env)
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    out = _status(plugin_env, scene_id)
    assert out["state"] == "skipped"
    assert "skipUnorganized" in out["reason"]


def test_sync_scene_queues_and_a_worker_syncs_it(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(plugin_env)
    run = plugin_env.task("sync_scene", scene_id=scene_id)
    assert run.output == {"scene_id": scene_id, "queued": 1}
    wait_until(lambda: _status(plugin_env, scene_id)["state"] == "synced", message="the sync")
    assert plugin_env.plex.item(key).title == "Scene 0"


def test_clear_queue_deletes_waiting_jobs_and_keeps_dead_letters(plugin_env: PluginEnv) -> None:
    dead, _k = _scene(plugin_env, 0)
    plugin_env.plex.fail_next(1, 400, method="PUT")
    plugin_env.task("sync_all")
    for n in range(1, 4):
        scene_id, _k = _scene(plugin_env, n)
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    out = plugin_env.task("clear_queue").output
    assert out == {"deleted": 3, "in_progress": 0}
    status = plugin_env.task("queue_status").output
    assert (status["pending"], status["dead_letters"]) == (0, 1)
    assert _status(plugin_env, dead)["state"] == "dead_letter"


@pytest.mark.parametrize("bad", ["", "abc", "0", "-3", "1.5", True, None])
def test_a_bad_scene_id_is_one_clear_error(plugin_env: PluginEnv, bad: object) -> None:
    args = {} if bad is None else {"scene_id": bad}
    run = plugin_env.task("scene_status", **args)
    assert run.returncode == 1
    assert "is not a scene id; give the number in the scene's address" in run.error
    assert "Traceback" not in run.stderr
