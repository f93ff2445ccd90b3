"""Reading ahead: a later scene's Plex item is read while the current one is written.

Writes stay one at a time and in queue order; reading ahead must change neither
what Plex ends up showing nor how many requests each scene costs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until

LATENCY_S = 0.02


def _queue_scenes(plugin_env: PluginEnv, count: int) -> list[str]:
    """`count` scenes, each on its own Plex item with another title, queued in order."""
    keys = []
    for n in range(count):
        path = f"/media/ahead/{n}.mp4"
        keys.append(plugin_env.plex.add_item("1", f"Plex {n}", [(path, 100 + n)]))
        scene_id = plugin_env.stash.add_scene(title=f"Stash {n}", files=[(path, 100 + n)])
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    return keys


def _reads_and_writes(plugin_env: PluginEnv) -> list[tuple[str, str]]:
    """("GET", key) for each item read and ("PUT", key) for each item edit, in arrival order."""
    order = []
    for request in plugin_env.plex.requests:
        if request.method == "GET" and request.path.startswith("/library/metadata/"):
            order.append(("GET", request.path.rsplit("/", 1)[1]))
        elif request.method == "PUT" and request.path.endswith("/all"):
            order.append(("PUT", request.query["id"][0]))
    return order


def _drain(plugin_env: PluginEnv, keys: list[str]) -> list[tuple[str, str]]:
    plugin_env.plex.set_latency(LATENCY_S)
    plugin_env.plex.clear_requests()
    run = plugin_env.task("process_queue")
    assert run.output["synced"] == len(keys), run.output
    assert [plugin_env.plex.item(key).title for key in keys] == [
        f"Stash {n}" for n in range(len(keys))
    ]
    order = _reads_and_writes(plugin_env)
    assert sorted(order) == sorted([("GET", k) for k in keys] + [("PUT", k) for k in keys])
    assert [key for kind, key in order if kind == "PUT"] == keys
    return order


def test_next_item_is_read_while_the_current_one_is_written(plugin_env: PluginEnv) -> None:
    keys = _queue_scenes(plugin_env, 3)
    plugin_env.plex.clear_requests()
    edit_held = plugin_env.plex.hold("PUT", keys[1])
    with ThreadPoolExecutor(1) as pool:
        task = pool.submit(plugin_env.task, "process_queue")
        try:  # the edit of the second item is still unanswered while we wait
            wait_until(
                lambda: ("GET", keys[2]) in _reads_and_writes(plugin_env),
                15,
                message="the third item to be read while the second item's edit is held",
            )
        finally:
            edit_held.set()
        run = task.result()
    assert run.output["synced"] == 3, run.output
    order = _reads_and_writes(plugin_env)
    assert [plugin_env.plex.item(key).title for key in keys] == ["Stash 0", "Stash 1", "Stash 2"]
    assert sorted(order) == sorted([("GET", k) for k in keys] + [("PUT", k) for k in keys])


def test_read_ahead_off_reads_each_item_after_the_previous_one_is_written(
    plugin_env: PluginEnv,
) -> None:
    plugin_env.env["PLEXSYNC_READ_AHEAD"] = "0"
    keys = _queue_scenes(plugin_env, 4)
    order = _drain(plugin_env, keys)
    assert order == [(kind, key) for key in keys for kind in ("GET", "PUT")]


def test_two_scenes_on_one_item_in_a_batch_the_later_scene_wins_every_field(
    plugin_env: PluginEnv,
) -> None:
    first_key = _queue_scenes(plugin_env, 1)[0]
    shared = "/media/ahead/shared.mp4"
    key = plugin_env.plex.add_item("1", "Before", [(shared, 5)])
    changes_it = plugin_env.stash.add_scene(title="After", files=[(shared, 5)])
    puts_it_back = plugin_env.stash.add_scene(title="Before", files=[(shared, 5)])
    for scene_id in (changes_it, puts_it_back):
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    run = plugin_env.task("process_queue")
    assert run.output["failed"] == 0, run.output
    assert plugin_env.plex.item(first_key).title == "Stash 0"
    assert plugin_env.plex.item(key).title == "Before"


def test_an_item_deleted_from_plex_fails_only_its_own_scene_until_plex_has_it_again(
    plugin_env: PluginEnv,
) -> None:
    keys = _queue_scenes(plugin_env, 3)
    plugin_env.task("process_queue")  # builds the index with all three items
    plugin_env.plex.delete_item(keys[1])
    for scene_id in ("1", "2", "3"):
        plugin_env.stash.update_scene(scene_id, title=f"Renamed {scene_id}")
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    plugin_env.plex.clear_requests()
    run = plugin_env.task("process_queue")
    # The not-found retry may come due again during the drain (PLEXSYNC_TIME_SCALE): >= 1.
    assert (run.output["synced"], run.output["dead_lettered"]) == (2, 0)
    assert run.output["failed"] >= 1
    assert plugin_env.plex.item(keys[0]).title == "Renamed 1"
    assert plugin_env.plex.item(keys[2]).title == "Renamed 3"
    assert ("GET", keys[1]) in _reads_and_writes(plugin_env)
    status = plugin_env.task("queue_status").output
    assert status["pending"] + status["in_progress"] + status["waiting_retry"] == 1
    assert status["dead_letters"] == 0
    assert any('scene 2 "Renamed 2"' in line and "not_found" in line for line in run.log_lines())
    back = plugin_env.plex.add_item("1", "rescanned", [("/media/ahead/1.mp4", 101)])
    wait_until(
        lambda: plugin_env.plex.item(back).title == "Renamed 2", 60, message="the re-added item"
    )
    plugin_env.wait_idle(60)
