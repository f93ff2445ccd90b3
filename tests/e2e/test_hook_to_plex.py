"""A scene edited in Stash reaches Plex through the hook and the background worker."""

from __future__ import annotations

import json

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until

PATH = "/media/videos/first scene.mp4"


def _scene(
    env: PluginEnv, path: str = PATH, size: int = 1234, plex_fields: dict | None = None, **fields
):
    key = env.plex.add_item("1", "first scene", [(path, size)], **(plex_fields or {}))
    scene_id = env.stash.add_scene(files=[(path, size)], **fields)
    return scene_id, key


def _writes(env: PluginEnv) -> list:
    return [r for r in env.plex.requests if r.method in ("PUT", "POST")]


def test_scene_update_reaches_plex_with_every_default_field_locked(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(
        plugin_env,
        title="A Title",
        details="About it",
        date="2024-05-06",
        studio="Studio One",
        performers=["Ann", "Bea"],
        tags=["Tag1", "Tag2"],
    )
    run = plugin_env.hook(scene_id, fields=["title", "details"])
    assert run.returncode == 0, run.stderr
    assert run.output == "queued"
    wait_until(lambda: plugin_env.plex.item(key).poster is not None, message="the poster upload")
    plugin_env.wait_idle()
    item = plugin_env.plex.item(key)
    assert item.title == "A Title"
    assert item.summary == "About it"
    assert item.originallyAvailableAt == "2024-05-06"
    assert str(item.year) == "2024"
    assert item.studio == "Studio One"
    assert sorted(item.actors) == ["Ann", "Bea"]
    assert sorted(item.genres) == ["Tag1", "Tag2"]
    assert {
        "title",
        "summary",
        "studio",
        "originallyAvailableAt",
        "genre",
        "actor",
        "thumb",
    } <= set(item.locked)
    assert item.poster == plugin_env.stash.scene(scene_id)["screenshot"]


def test_changed_scene_costs_one_get_one_put_and_one_poster_post(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(plugin_env, title="Counted", tags=["x"])
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    plugin_env.plex.clear_requests()
    plugin_env.stash.update_scene(scene_id, title="Counted again", screenshot=b"\x89PNG new image")
    plugin_env.hook(scene_id, fields=["title", "cover_image"])
    plugin_env.wait_idle()
    item_gets = [
        r for r in plugin_env.plex.requests if r.method == "GET" and r.path.startswith("/library")
    ]
    assert [r.path for r in item_gets] == [f"/library/metadata/{key}"]
    assert sorted(r.method for r in _writes(plugin_env)) == ["POST", "PUT"]
    assert plugin_env.plex.item(key).title == "Counted again"


def test_unchanged_scene_sends_no_write_to_plex(plugin_env: PluginEnv) -> None:
    scene_id, _key = _scene(plugin_env, title="Stable")
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    plugin_env.plex.clear_requests()
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    assert _writes(plugin_env) == []
    assert any("already up to date" in line for line in plugin_env.log_file_lines())


def test_update_of_unsynced_field_is_skipped_without_a_job(plugin_env: PluginEnv) -> None:
    scene_id, _key = _scene(plugin_env, title="Whatever")
    run = plugin_env.hook(scene_id, fields=["play_count", "resume_time"])
    assert run.returncode == 0
    assert run.output.startswith("skipped: no synced field changed")
    assert plugin_env.queue_rows() == []


def test_second_update_while_first_waits_is_merged_into_one_edit(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(plugin_env, title="One")
    first = plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    plugin_env.stash.update_scene(scene_id, title="Two")
    second = plugin_env.hook(scene_id, fields=["title"])
    assert (first.output, second.output) == ("queued", "queued")
    plugin_env.wait_idle()
    assert plugin_env.plex.item(key).title == "Two"
    assert len([r for r in plugin_env.plex.requests if r.method == "PUT"]) == 1


def test_performer_renamed_in_stash_reaches_plex_through_sync_recent(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(plugin_env, title="Renamed", performers=["Old Name"])
    plugin_env.hook(scene_id, fields=["performer_ids"])
    plugin_env.wait_idle()
    plugin_env.stash.rename_performer("Old Name", "New Name")
    run = plugin_env.task("sync_recent", hours=1)
    assert run.returncode == 0, run.stderr
    assert run.output["queued"] == 1
    plugin_env.wait_idle()
    assert plugin_env.plex.item(key).actors == ["New Name"]


def test_skip_unorganized_leaves_unorganized_scenes_alone(plugin_env: PluginEnv) -> None:
    plugin_env.settings(skipUnorganized=True)
    scene_id, key = _scene(plugin_env, title="Not yet", organized=False)
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    assert plugin_env.plex.item(key).title == "first scene"
    assert any("not marked organized" in line for line in plugin_env.log_file_lines())
    plugin_env.stash.update_scene(scene_id, organized=True)
    plugin_env.hook(scene_id, fields=["organized"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Not yet", message="the organized scene to sync"
    )


def test_sync_fields_subset_writes_only_those_fields(plugin_env: PluginEnv) -> None:
    plugin_env.settings(syncFields="title, tags")
    scene_id, key = _scene(
        plugin_env, title="Only title", details="not sent", studio="Not sent", tags=["t1"]
    )
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    item = plugin_env.plex.item(key)
    assert (item.title, item.genres, item.poster) == ("Only title", ["t1"], None)
    assert not item.summary
    assert not item.studio


def test_preserve_plex_edits_fills_only_empty_fields(plugin_env: PluginEnv) -> None:
    plugin_env.settings(preservePlexEdits=True)
    scene_id, key = _scene(
        plugin_env,
        title="Stash title",
        details="Stash summary",
        studio="Stash studio",
        plex_fields={"summary": "Hand-written in Plex"},
    )
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    item = plugin_env.plex.item(key)
    assert item.summary == "Hand-written in Plex"
    assert item.title == "first scene"
    assert item.studio == "Stash studio"


def test_scene_not_in_plex_yet_is_synced_once_plex_scans_it(plugin_env: PluginEnv) -> None:
    path = "/media/new/arrives later.mp4"
    key = plugin_env.plex.add_item("1", "arrives later", [(path, 99)], hidden=True)
    scene_id = plugin_env.stash.add_scene(title="Late arrival", files=[(path, 99)])
    plugin_env.hook(scene_id, "Scene.Create.Post")
    wait_until(
        lambda: any("not in Plex" in line for line in plugin_env.log_file_lines()),
        message="the not-found retry to be logged",
    )
    plugin_env.plex.reveal(key)
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Late arrival", message="the late item to sync"
    )
    plugin_env.wait_idle()


def test_deleted_scene_settles_its_job_with_a_log_line(plugin_env: PluginEnv) -> None:
    scene_id, _key = _scene(plugin_env, title="Gone soon")
    plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    plugin_env.stash.delete_scene(scene_id)
    plugin_env.task("process_queue")
    plugin_env.wait_idle()
    assert any("was deleted in Stash" in line for line in plugin_env.log_file_lines())


def test_log_file_is_json_lines_with_one_readable_line_per_scene(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(plugin_env, title="Logged")
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    records = [json.loads(line) for line in plugin_env.log_file_lines()]
    synced = [r["msg"] for r in records if r["level"] == "info" and f"Plex item {key}" in r["msg"]]
    assert synced == [
        f'scene {scene_id} "Logged" -> Plex item {key} "first scene": updated title, poster'
    ]
