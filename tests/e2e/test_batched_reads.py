"""The worker reads the Plex items of a batch in one request; failures stay scene-sized."""

from __future__ import annotations

from tests.conftest import PluginEnv


def _synced_library(env: PluginEnv, n: int) -> list[tuple[str, str]]:
    """n scenes synced once (the index is built), then retitled in Stash and queued."""
    scenes = []
    for i in range(n):
        path = f"/media/batch/{i}.mp4"
        key = env.plex.add_item("1", f"plex {i}", [(path, 100 + i)])
        scenes.append((env.stash.add_scene(title=f"First {i}", files=[(path, 100 + i)]), key))
    assert env.task("sync_all").output["synced"] == n
    for i, (scene_id, _key) in enumerate(scenes):
        env.stash.update_scene(scene_id, title=f"Second {i}")
        env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    env.plex.clear_requests()
    return scenes


def _item_reads(env: PluginEnv) -> list[list[str]]:
    return [
        r.path.rsplit("/", 1)[1].split(",")
        for r in env.plex.requests
        if r.method == "GET" and r.path.startswith("/library/metadata/")
    ]


def test_a_batch_of_scenes_is_read_with_one_request(plugin_env: PluginEnv) -> None:
    scenes = _synced_library(plugin_env, 4)
    run = plugin_env.task("process_queue")
    assert run.output["synced"] == 4, run.output
    assert _item_reads(plugin_env) == [[key for _s, key in scenes]]
    assert [plugin_env.plex.item(k).title for _s, k in scenes] == [f"Second {i}" for i in range(4)]


def test_an_item_deleted_in_plex_fails_only_its_own_scene(plugin_env: PluginEnv) -> None:
    scenes = _synced_library(plugin_env, 3)
    gone = scenes[1][1]
    plugin_env.plex.delete_item(gone)
    run = plugin_env.task("process_queue")
    assert run.output["synced"] == 2, run.output
    assert run.output["failed"] >= 1
    assert _item_reads(plugin_env)[0] == [key for _s, key in scenes]
    assert plugin_env.plex.item(scenes[0][1]).title == "Second 0"
    assert plugin_env.plex.item(scenes[2][1]).title == "Second 2"
    assert any(f"Plex item {gone} was not found in Plex" in line for line in run.log_lines()), (
        run.stderr
    )
    puts = [r.query["id"][0] for r in plugin_env.plex.requests if r.method == "PUT"]
    assert gone not in puts


def test_a_batch_read_answered_500_is_retried_as_a_whole(plugin_env: PluginEnv) -> None:
    scenes = _synced_library(plugin_env, 3)
    keys = [key for _s, key in scenes]
    plugin_env.plex.fail_next(1, 500, path_prefix="/library/metadata/", method="GET")
    run = plugin_env.task("process_queue")
    assert run.output["failed"] == 3, run.output
    plugin_env.wait_idle()  # the background worker takes the retries when they are due
    assert [plugin_env.plex.item(k).title for k in keys] == [f"Second {i}" for i in range(3)]
    assert _item_reads(plugin_env) == [keys, keys]
